package io.verity.gateway.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.policy.PolicyEngine;
import io.verity.gateway.routing.NodeState;
import java.time.Duration;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} in Prometheus text format (Micrometer), and one structured log line per request,
 * {@code http method=… route=… status=… ms=… model=… policy=… requestId=…}; the nodes log the same requestId.
 *
 * <p>Metrics: {@code verity_gateway_http_requests_seconds} (histogram per route, status, model and policy kind;
 * model and policy read from the request only when it succeeded, so a client cannot mint label values);
 * per node (peer health): healthy, latency, error rate, reputation, answers, failures and dissents (failed
 * verifications); evidence recorded by kind (verification outcomes that went wrong); whether the chain is
 * unreadable (chain errors); JVM basics. Per-node gauges are refreshed at each scrape.
 */
final class GatewayMetrics {
    private static final Logger LOG = LoggerFactory.getLogger("io.verity.gateway.http");
    private static final JsonFactory JSON = new JsonFactory();

    private final PrometheusMeterRegistry registry = io.verity.http.HttpMetrics.registry();
    private final Services gateway;
    private final Map<String, MultiGauge> peers = new TreeMap<>();
    private final MultiGauge evidence;

    /** Per-node series, refreshed at each scrape: name (Micrometer's dots) to help text. */
    private static final Map<String, String> PEER_SERIES = new java.util.LinkedHashMap<>();

    static {
        PEER_SERIES.put("healthy", "1 while the node's health checks pass");
        PEER_SERIES.put("latency.seconds", "the node's answer latency as the gateway measures it (moving average)");
        PEER_SERIES.put("error.rate", "the node's recent share of failed attempts (moving average)");
        PEER_SERIES.put("reputation", "the node's reputation in [0, 1], used in routing");
        PEER_SERIES.put("answers", "answers of the node the gateway used since it started");
        PEER_SERIES.put("failures", "failed attempts at the node since the gateway started");
        PEER_SERIES.put("dissents", "answers of the node that failed verification (minority, audit) since the gateway started");
        PEER_SERIES.put("quarantined", "1 while the node is quarantined after a dissent");
        PEER_SERIES.put("stake.wei", "the node key's stake in NodeRegistry, in wei (below the minimum it is not routed to)");
    }

    private GatewayMetrics(Services gateway) {
        this.gateway = gateway;
        for (Map.Entry<String, String> p : PEER_SERIES.entrySet()) {
            peers.put(p.getKey(), MultiGauge.builder("verity.gateway.peer." + p.getKey()).description(p.getValue()).register(registry));
        }
        evidence = MultiGauge.builder("verity.gateway.evidence").description("evidence entries recorded, by kind").register(registry);
        Gauge.builder("verity.gateway.chain.error", gateway, g -> g.directory().chainError().isPresent() ? 1 : 0)
                .description("1 while NodeRegistry cannot be read").register(registry);
        Gauge.builder("verity.gateway.min.stake.wei", gateway, g -> g.directory().minStake().map(BigInteger::doubleValue)
                .orElse(Double.NaN)).description("NodeRegistry's minimum stake, in wei").register(registry);
    }

    /** Adds {@code GET /metrics} and the per-request timer and log line to a gateway's Javalin config. */
    static void install(JavalinConfig cfg, Services gateway) {
        GatewayMetrics m = new GatewayMetrics(gateway);
        cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(m.scrape()));
        cfg.requestLogger.http(m::record);
    }

    private String scrape() {
        Instant now = gateway.directory().clock().instant();
        Map<String, List<MultiGauge.Row<?>>> rows = new HashMap<>();
        for (NodeState n : gateway.directory().all()) {
            Tags t = Tags.of("node", n.address.toString());
            double latency = n.latencyMs();
            rows.computeIfAbsent("healthy", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, n.healthy() ? 1 : 0));
            if (!Double.isNaN(latency)) rows.computeIfAbsent("latency.seconds", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, latency / 1000));
            rows.computeIfAbsent("error.rate", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, n.errorRate()));
            rows.computeIfAbsent("reputation", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, n.reputation()));
            rows.computeIfAbsent("answers", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, n.answers.get()));
            rows.computeIfAbsent("failures", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, n.failures.get()));
            rows.computeIfAbsent("dissents", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, n.dissents.get()));
            rows.computeIfAbsent("quarantined", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, n.quarantined(now) ? 1 : 0));
            rows.computeIfAbsent("stake.wei", k -> new ArrayList<>()).add(MultiGauge.Row.of(t, n.stake().doubleValue()));
        }
        peers.forEach((name, g) -> g.register(rows.getOrDefault(name, List.of()), true));
        Map<String, Long> kinds = new TreeMap<>();
        for (EvidenceLog.Entry e : gateway.evidence().recent()) kinds.merge(e.kind().wire, 1L, Long::sum);
        List<MultiGauge.Row<?>> er = new ArrayList<>();
        kinds.forEach((k, v) -> er.add(MultiGauge.Row.of(Tags.of("kind", k), v)));
        evidence.register(er, true);
        return registry.scrape();
    }

    @SuppressWarnings("unchecked") // noteFields stores a Map<String, String>
    private void record(Context ctx, Float ms) {
        String route = route(ctx);
        int status = ctx.status().getCode();
        Map<String, String> body = !"POST".equals(ctx.method().name()) || !route.equals("/v1/infer") ? Map.of()
                : ctx.attribute(FIELDS) instanceof Map<?, ?> read ? (Map<String, String>) read : fields(ctx);
        String policy = body.getOrDefault("policy", ctx.header(PolicyEngine.POLICY_HEADER));
        String kind = policy == null ? gateway.config().defaultPolicy().wireName() : policy;
        kind = kind.contains(":") ? kind.substring(0, kind.indexOf(':')) : kind;
        boolean ok = status < 300;
        Tags tags = Tags.of("method", ctx.method().name(), "route", route, "status", Integer.toString(status),
                "model", ok ? body.getOrDefault("model", "-") : "-", "policy", ok && route.equals("/v1/infer") ? kind : "-");
        io.verity.http.HttpMetrics.time(registry, "verity.gateway.http.requests", tags, Duration.ofSeconds(60), ms);
        // Reads that succeed (health checks every few hundred ms, scrapes) only at debug, so the log shows the work.
        boolean quiet = "GET".equals(ctx.method().name()) && status < 400;
        if (quiet ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
            (quiet ? LOG.atDebug() : LOG.atInfo()).log("http method={} route={} status={} ms={} model={} policy={} requestId={}", ctx.method().name(), ctx.path(), status,
                    String.format(java.util.Locale.ROOT, "%.1f", ms), body.getOrDefault("model", "-"), policy == null ? "-" : policy,
                    ctx.res().getHeader(REQUEST_ID_HEADER) != null ? ctx.res().getHeader(REQUEST_ID_HEADER) : body.getOrDefault("requestId", "-"));
        }
    }

    static final String REQUEST_ID_HEADER = "Verity-Request-Id";

    /** The matched route pattern ({@code /v1/receipts/{id}}), so the label set stays bounded; "unmatched" for a 404. */
    static String route(Context ctx) {
        try {
            var e = ctx.endpoint();
            return e == null ? "unmatched" : e.path;
        } catch (RuntimeException none) {
            return "unmatched";
        }
    }

    private static final String FIELDS = "verity.gateway.metrics.fields";
    private static final List<String> LOGGED = List.of("model", "requestId", "policy");

    /** The fields of a body the handler parsed, kept for {@link #record} so that it does not parse the body again. */
    static void noteFields(Context ctx, JsonNode root) {
        if (root == null || !root.isObject()) return;
        Map<String, String> out = new HashMap<>();
        for (String name : LOGGED) {
            JsonNode v = root.get(name);
            if (v != null && v.isTextual()) out.put(name, v.asText().length() > 80 ? v.asText().substring(0, 80) : v.asText());
        }
        ctx.attribute(FIELDS, out);
    }

    /** The request's top-level string fields model, policy and requestId; tensors are skipped unread. */
    static Map<String, String> fields(Context ctx) {
        Map<String, String> out = new HashMap<>();
        // the handler read the body through RequestBodies (the stream is consumed); a body it never read is read here
        try (JsonParser p = JSON.createParser(io.verity.http.RequestBodies.alreadyRead(ctx).orElseGet(ctx::bodyAsBytes))) {
            if (p.nextToken() != JsonToken.START_OBJECT) return out;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING && (name.equals("model") || name.equals("requestId") || name.equals("policy"))) {
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
