package io.verity.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.verity.http.HttpMetrics;
import io.verity.node.serve.InferPhases;
import io.verity.node.serve.NodeService;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
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
 * receipts signed, settled and pending (signed, not yet in a committed batch), settled batches, unpaid credit and
 * unredeemed vouchers in wei (docs/alerts.yml), JVM basics.
 */
final class NodeMetrics {
    private static final Logger LOG = LoggerFactory.getLogger("io.verity.node.http");
    private static final Set<String> LABEL_FIELDS = Set.of("model", "requestId", "verification");

    private final PrometheusMeterRegistry registry = HttpMetrics.registry();

    private NodeMetrics(NodeService service) {
        Gauge.builder("verity.node.receipts.signed", service, s -> s.receiptCount()).description("receipts signed since the log began")
                .register(registry);
        Gauge.builder("verity.node.receipts.settled", service, s -> s.batcher().map(b -> (double) b.settledReceipts()).orElse(0.0))
                .description("receipts in batches committed on chain").register(registry);
        Gauge.builder("verity.node.receipts.pending", service,
                s -> s.batcher().map(b -> (double) Math.max(0, s.receiptCount() - b.settledReceipts())).orElse(0.0))
                .description("receipts signed but not yet settled: the settlement lag in receipts").register(registry);
        Gauge.builder("verity.node.batches.settled", service, s -> s.batcher().map(b -> (double) b.settledBatches()).orElse(0.0))
                .description("batches of receipts committed on chain").register(registry);
        Gauge.builder("verity.node.payment.unpaid.wei", service, s -> s.gate().map(g -> g.unpaid().doubleValue()).orElse(0.0))
                .description("what payers owe for answers served on credit beyond the vouchers held, in wei").register(registry);
        Gauge.builder("verity.node.vouchers.unredeemed.wei", service,
                s -> s.channels().map(c -> c.unredeemed().doubleValue()).orElse(0.0))
                .description("vouchers held but not yet redeemed on chain, in wei").register(registry);
        InferPhases phases = service.phases();
        for (InferPhases.Phase p : InferPhases.Phase.values()) {
            FunctionTimer.builder("verity.node.infer.phase", phases, x -> x.count(p), x -> x.totalNanos(p), TimeUnit.NANOSECONDS)
                    .tags("phase", p.label()).description("time spent in each phase of POST /v1/infer").register(registry);
        }
    }

    /**
     * Keeps an inference's label fields from the tree the handler parsed, so the request logger need not parse
     * the body a second time (for a 150 KB image, a second pass over its b64). The same fields as
     * {@link HttpMetrics#fields}: top-level strings, cut to 80 characters.
     */
    static void labelFrom(Context ctx, JsonNode root) {
        Map<String, String> out = new HashMap<>();
        for (String name : LABEL_FIELDS) {
            JsonNode v = root.get(name);
            if (v != null && v.isTextual()) out.put(name, v.asText().length() > 80 ? v.asText().substring(0, 80) : v.asText());
        }
        ctx.attribute(LABELS, out);
    }

    private static final String LABELS = NodeMetrics.class.getName() + ".labels";

    /** Adds {@code GET /metrics} and the per-request timer and log line to a node's Javalin config. */
    static void install(JavalinConfig cfg, NodeService service) {
        NodeMetrics m = new NodeMetrics(service);
        HttpMetrics.serve(cfg, m.registry::scrape);
        cfg.requestLogger.http(m::record);
    }

    private void record(Context ctx, Float ms) {
        String route = HttpMetrics.route(ctx);
        int status = ctx.status().getCode();
        Map<String, String> labels = ctx.attribute(LABELS);
        Map<String, String> body = labels != null ? labels : "POST".equals(ctx.method().name()) && route.equals("/v1/infer")
                ? HttpMetrics.fields(ctx, LABEL_FIELDS) : Map.of();
        boolean ok = status < 300;
        Tags tags = Tags.of("method", ctx.method().name(), "route", route, "status", Integer.toString(status),
                "model", ok ? body.getOrDefault("model", "-") : "-", "verification", ok ? body.getOrDefault("verification", "none") : "-");
        HttpMetrics.time(registry, "verity.node.http.requests", tags, Duration.ofSeconds(30), ms);
        boolean quiet = HttpMetrics.quiet(ctx, status);
        if (quiet ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
            (quiet ? LOG.atDebug() : LOG.atInfo()).log("http method={} route={} status={} ms={} model={} requestId={}", ctx.method().name(), ctx.path(), status,
                    String.format(java.util.Locale.ROOT, "%.1f", ms), body.getOrDefault("model", "-"), body.getOrDefault("requestId", "-"));
        }
    }
}
