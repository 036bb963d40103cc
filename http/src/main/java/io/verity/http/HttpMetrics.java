package io.verity.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The HTTP metrics node and gateway share: a Prometheus registry with the JVM basics, {@code GET /metrics}, a
 * request timer per bounded route pattern, and the few top-level string fields of a request body that label it.
 * Each server adds its own gauges and log line.
 */
public final class HttpMetrics {
    private static final JsonFactory JSON = new JsonFactory();
    /** Longest field value kept as a label or in a log line; a client cannot mint long label values. */
    private static final int MAX_FIELD = 80;

    private HttpMetrics() {}

    /** A Prometheus registry with JVM memory, threads, processor and uptime bound. */
    public static PrometheusMeterRegistry registry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Micrometer's process_cpu_time_ns_total and system_cpu_count break Prometheus's naming rules (promtool: no
        // abbreviated units, no _count suffix on a gauge); process_cpu_usage and the JVM series say the same
        registry.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.deny(
                id -> id.getName().equals("process.cpu.time") || id.getName().equals("system.cpu.count")));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** {@code GET /metrics} in Prometheus text format, from {@code scrape} at each request. */
    public static void serve(JavalinConfig cfg, Supplier<String> scrape) {
        cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(scrape.get()));
    }

    /** Records one request of {@code ms} in timer {@code name} (a histogram from 1 ms to {@code max}). */
    public static void time(MeterRegistry registry, String name, Tags tags, Duration max, float ms) {
        Timer.builder(name).description("HTTP requests served, by route and status").tags(tags).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(max)
                .register(registry).record((long) (ms * 1_000_000L), TimeUnit.NANOSECONDS);
    }

    /** Reads that succeed (health checks every few hundred ms, scrapes) are logged only at debug, so the log shows the work. */
    public static boolean quiet(Context ctx, int status) {
        return "GET".equals(ctx.method().name()) && status < 400;
    }

    /** The matched route pattern ({@code /v1/receipts/{id}}), so the label set stays bounded; "unmatched" for a 404. */
    public static String route(Context ctx) {
        try {
            var e = ctx.endpoint();
            return e == null ? "unmatched" : e.path;
        } catch (RuntimeException none) {
            return "unmatched";
        }
    }

    /** The request's top-level string fields among {@code names}, cut to 80 characters; tensors are skipped unread. */
    public static Map<String, String> fields(Context ctx, Set<String> names) {
        Map<String, String> out = new HashMap<>();
        // the handler read the body through RequestBodies (the stream is consumed); a body it never read is read here
        try (JsonParser p = JSON.createParser(RequestBodies.alreadyRead(ctx).orElseGet(ctx::bodyAsBytes))) {
            if (p.nextToken() != JsonToken.START_OBJECT) return out;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING && names.contains(name)) {
                    String v = p.getText();
                    out.put(name, v.length() > MAX_FIELD ? v.substring(0, MAX_FIELD) : v);
                } else {
                    p.skipChildren();
                }
            }
        } catch (Exception malformed) {
            // the handler already answered 400; the metric has no model then
        }
        return out;
    }
}
