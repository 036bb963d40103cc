package io.verity.node.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.verity.node.serve.NodeService;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} in Prometheus text format (Micrometer), and one structured log line per request,
 * {@code http method=… route=… status=… ms=… model=… requestId=…}, whose requestId is the one the gateway sent
 * (the gateway logs the same id), so a gateway answer, the node's work and the receipt tie together.
 *
 * <p>Metrics: {@code verity_node_http_requests_seconds} (histogram; route, status, and for inferences the model
 * and verification mode, read from the request only when it succeeded, so a client cannot mint label values),
 * receipts signed, settled and pending (signed, not yet in a committed batch), settled batches, JVM basics.
 */
final class NodeMetrics {
    private static final Logger LOG = LoggerFactory.getLogger("io.verity.node.http");
    private static final JsonFactory JSON = new JsonFactory();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private NodeMetrics(NodeService service) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("verity.node.receipts.signed", service, s -> s.receiptCount()).description("receipts signed since the log began")
                .register(registry);
        Gauge.builder("verity.node.receipts.settled", service, s -> s.batcher().map(b -> (double) b.settledReceipts()).orElse(0.0))
                .description("receipts in batches committed on chain").register(registry);
        Gauge.builder("verity.node.receipts.pending", service,
                s -> s.batcher().map(b -> (double) Math.max(0, s.receiptCount() - b.settledReceipts())).orElse(0.0))
                .description("receipts signed but not yet settled: the settlement lag in receipts").register(registry);
        Gauge.builder("verity.node.batches.settled", service, s -> s.batcher().map(b -> (double) b.settledBatches()).orElse(0.0))
                .register(registry);
    }

    /** Adds {@code GET /metrics} and the per-request timer and log line to a node's Javalin config. */
    static void install(JavalinConfig cfg, NodeService service) {
        NodeMetrics m = new NodeMetrics(service);
        cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(m.registry.scrape()));
        cfg.requestLogger.http(m::record);
    }

    private void record(Context ctx, Float ms) {
        String route = route(ctx);
        int status = ctx.status().getCode();
        Map<String, String> body = "POST".equals(ctx.method().name()) && route.equals("/v1/infer") ? fields(ctx) : Map.of();
        boolean ok = status < 300;
        Tags tags = Tags.of("method", ctx.method().name(), "route", route, "status", Integer.toString(status),
                "model", ok ? body.getOrDefault("model", "-") : "-", "verification", ok ? body.getOrDefault("verification", "none") : "-");
        Timer.builder("verity.node.http.requests").tags(tags).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry).record((long) (ms * 1_000_000L), TimeUnit.NANOSECONDS);
        // Reads that succeed (health checks every few hundred ms, scrapes) only at debug, so the log shows the work.
        boolean quiet = "GET".equals(ctx.method().name()) && status < 400;
        if (quiet ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
            (quiet ? LOG.atDebug() : LOG.atInfo()).log("http method={} route={} status={} ms={} model={} requestId={}", ctx.method().name(), ctx.path(), status,
                    String.format(java.util.Locale.ROOT, "%.1f", ms), body.getOrDefault("model", "-"), body.getOrDefault("requestId", "-"));
        }
    }

    /** The matched route pattern ({@code /v1/receipts/{id}}), so the label set stays bounded; "unmatched" for a 404. */
    static String route(Context ctx) {
        try {
            var e = ctx.endpoint();
            return e == null ? "unmatched" : e.path;
        } catch (RuntimeException none) {
            return "unmatched";
        }
    }

    /** The request's top-level string fields model, requestId and verification; tensors are skipped unread. */
    static Map<String, String> fields(Context ctx) {
        Map<String, String> out = new HashMap<>();
        // the handler read the body through RequestBodies (the stream is consumed); a body it never read is read here
        try (JsonParser p = JSON.createParser(io.verity.http.RequestBodies.alreadyRead(ctx).orElseGet(ctx::bodyAsBytes))) {
            if (p.nextToken() != JsonToken.START_OBJECT) return out;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING && (name.equals("model") || name.equals("requestId") || name.equals("verification"))) {
                    String v = p.getText();
                    out.put(name, v.length() > 80 ? v.substring(0, 80) : v);
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
