package io.verity.gateway.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.verity.gateway.GatewayConfig;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.openai.OpenAiProxy;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.policy.NodeResult;
import io.verity.gateway.policy.PolicyEngine;
import io.verity.gateway.problem.Problem;
import io.verity.gateway.problem.ProblemException;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.tee.TeeGate;
import io.verity.gateway.tensor.NodeAnswer;
import io.verity.gateway.tensor.NodeCaller;
import io.verity.http.FieldErrors;
import io.verity.http.HttpFailure;
import io.verity.http.RequestBodies;
import io.verity.http.RouteGate;
import io.verity.http.ServerHardening;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gateway's HTTP API (docs/gateway.md). Every error leaves as problem+json; nothing leaks a stack trace. */
public final class GatewayApi {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> INFER_FIELDS = Set.of("model", "inputs", "requestId", "policy");
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final String HEDGE_HEADER = "Verity-Hedge-Ms";

    private GatewayApi() {}

    public static Javalin create(Services gateway) {
        GatewayConfig config = gateway.config();
        return Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            ServerHardening.apply(cfg, config.http());
            RouteGate.install(cfg, config.http(), config.maxConcurrentInferences(),
                    List.of("/v1/infer", "/v1/chat/completions", "/v1/completions"));
            cfg.routes.post("/v1/infer", ctx -> infer(ctx, gateway));
            cfg.routes.get("/v1/nodes", ctx -> nodes(ctx, gateway));
            cfg.routes.get("/v1/models", ctx -> models(ctx, gateway));
            cfg.routes.get("/v1/receipts/{id}/proof", ctx -> proof(ctx, gateway));
            cfg.routes.get("/v1/evidence", ctx -> evidence(ctx, gateway));
            cfg.routes.get("/health", ctx -> health(ctx, gateway));
            GatewayMetrics.install(cfg, gateway);
            gateway.openAi().register(cfg); // POST /v1/chat/completions, /v1/completions to a node, checked and paid
            cfg.routes.exception(ProblemException.class, (e, ctx) -> send(ctx, e.problem()));
            cfg.routes.exception(PolicyEngine.Rejected.class, (e, ctx) -> relay(ctx, e.failure));
            cfg.routes.exception(Payer.DepositShort.class, (e, ctx) -> DepositProblem.send(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> send(ctx, fromHttp(e)));
            cfg.routes.exception(HttpFailure.class, GatewayApi::send);
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                var transport = RequestBodies.transport(e); // a bad chunk or a cut body, met by any handler: the client's
                if (transport.isPresent()) {
                    send(transport.get(), ctx);
                    return;
                }
                LOG.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
                send(ctx, Problem.of(Problem.Kind.INTERNAL, "unexpected error; the gateway logged it"));
            });
            cfg.routes.error(404, ctx -> {
                if (!Problem.MEDIA_TYPE.equals(ctx.res().getContentType())) {
                    send(ctx, Problem.of(Problem.Kind.NOT_FOUND, "no route " + ctx.method() + " " + ctx.path()));
                }
            });
            cfg.routes.error(405, ctx -> send(ctx, Problem.of(Problem.Kind.METHOD_NOT_ALLOWED,
                    ctx.method() + " is not allowed on " + ctx.path())));
        });
    }

    // ---- POST /v1/infer -----------------------------------------------------------------------------------

    private static void infer(Context ctx, Services gateway) throws Exception {
        JsonNode root = RequestBodies.json(ctx, gateway.config().maxBodyBytes()); // StrictJson, 415, 413, transport 4xx
        if (root == null || !root.isObject()) {
            throw invalid(List.of(new Problem.FieldError("", "request body must be a JSON object {model, inputs, requestId?, policy?}")));
        }
        FieldErrors errors = new FieldErrors(); // capped: a million unknown members get a short answer
        root.fieldNames().forEachRemaining(f -> {
            if (!INFER_FIELDS.contains(f)) {
                errors.add("/" + f.replace("~", "~0").replace("/", "~1"), "unknown field, expected model, inputs, requestId, policy");
            }
        });
        JsonNode model = root.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            errors.add("/model", "required: a model name, name@version or 0x digest");
        }
        Keccak256 requestId = null;
        JsonNode rid = root.get("requestId");
        if (rid != null && !rid.isNull()) {
            try {
                if (!rid.isTextual()) throw new IllegalArgumentException("must be a string");
                requestId = Keccak256.parse(rid.asText());
            } catch (IllegalArgumentException e) {
                errors.add("/requestId", "must be 0x followed by 64 hex digits (bytes32): " + e.getMessage());
            }
        }
        Policy policy = gateway.config().defaultPolicy();
        JsonNode pol = root.get("policy");
        String header = ctx.header(PolicyEngine.POLICY_HEADER);
        try {
            if (pol != null && !pol.isNull()) {
                if (!pol.isTextual()) throw new IllegalArgumentException("must be a string: none, redundant:k, sample:p or tee");
                policy = Policy.parse(pol.asText());
            } else if (header != null) {
                policy = Policy.parse(header);
            }
        } catch (IllegalArgumentException e) {
            errors.add(pol != null ? "/policy" : "header " + PolicyEngine.POLICY_HEADER, e.getMessage());
        }
        Duration hedge = gateway.config().hedgeAfter();
        String hedgeHeader = ctx.header(HEDGE_HEADER);
        if (hedgeHeader != null) {
            try {
                long ms = Long.parseLong(hedgeHeader.strip());
                if (ms < 0) throw new NumberFormatException();
                hedge = Duration.ofMillis(ms);
            } catch (NumberFormatException e) {
                errors.add("header " + HEDGE_HEADER, "must be milliseconds >= 0 (0: no hedging), got '"
                        + hedgeHeader + "'");
            }
        }
        List<Tensor> inputs = List.of();
        JsonNode in = root.get("inputs");
        if (in == null || !in.isArray()) {
            errors.add("/inputs", "required: an array of tensors {name, dtype, shape, data}");
        } else {
            try {
                inputs = TensorJson.readList(in, "/inputs");
            } catch (InvalidFieldException e) {
                errors.addAll(e.errors());
            }
        }
        if (!errors.isEmpty()) throw invalid(errors);
        Keccak256 digest = resolve(model.asText(), gateway);
        if (requestId == null) requestId = randomRequestId();
        NodeCaller.Call call = NodeCaller.Call.of(requestId, digest, in, inputs, policy.mode());
        PolicyEngine.Outcome<NodeAnswer> outcome = gateway.engine().run(new PolicyEngine.Request<>(requestId, digest, policy,
                call, call, hedge, 1, gateway.tensors(), NodeAnswer.agreement(gateway.config().toleranceFor(model.asText())),
                a -> 1));
        ctx.header(GatewayMetrics.REQUEST_ID_HEADER, requestId.toHex()); // logged with the request, as the nodes log it
        ctx.status(200).contentType("application/json").result(write(requestId, model.asText(), policy, outcome));
    }

    private static ProblemException invalid(FieldErrors errors) {
        return new ProblemException(Problem.of(Problem.Kind.INVALID_REQUEST, errors.count() + " error(s) in the request",
                errors.toList().stream().map(e -> new Problem.FieldError(e.pointer(), e.detail())).toList(), List.of()));
    }

    private static ProblemException invalid(List<Problem.FieldError> errors) {
        return new ProblemException(Problem.of(Problem.Kind.INVALID_REQUEST, errors.size() + " error(s) in the request",
                errors, List.of()));
    }

    /** A name, name@version or digest, resolved against what healthy nodes serve; the most widely served wins. */
    static Keccak256 resolve(String ref, Services gateway) {
        if (ref.startsWith("0x")) {
            try {
                return Keccak256.parse(ref);
            } catch (IllegalArgumentException e) {
                throw invalid(List.of(new Problem.FieldError("/model", "a digest must be 0x followed by 64 hex digits: " + e.getMessage())));
            }
        }
        int at = ref.indexOf('@');
        String name = at < 0 ? ref : ref.substring(0, at);
        String version = at < 0 ? null : ref.substring(at + 1);
        Map<Keccak256, Integer> servedBy = new LinkedHashMap<>();
        Map<Keccak256, String> versions = new LinkedHashMap<>();
        Instant now = Instant.now();
        for (NodeState n : gateway.directory().all()) {
            for (NodeState.ServedModel m : n.served()) {
                if (!m.name().equals(name) || (version != null && !m.version().equals(version))) continue;
                if (!n.canServe(m.digest(), now)) continue;
                servedBy.merge(m.digest(), 1, Integer::sum);
                versions.put(m.digest(), m.version());
            }
        }
        return servedBy.entrySet().stream()
                .max(Comparator.<Map.Entry<Keccak256, Integer>>comparingInt(Map.Entry::getValue)
                        .thenComparing(e -> versions.get(e.getKey())))
                .map(Map.Entry::getKey)
                .orElseThrow(() -> new ProblemException(Problem.Kind.UNKNOWN_MODEL, "no healthy node serves model '" + ref
                        + "'; GET /v1/models lists what the network serves"));
    }

    private static Keccak256 randomRequestId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Keccak256.wrap(b);
    }

    private static byte[] write(Keccak256 requestId, String model, Policy policy, PolicyEngine.Outcome<NodeAnswer> o)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("requestId", requestId.toHex());
            g.writeStringField("model", model);
            g.writeStringField("policy", policy.wireName());
            g.writeFieldName("outputs");
            g.writeTree(o.primary().outputsJson());
            g.writeArrayFieldStart("receipts");
            for (NodeAnswer a : o.supporting()) ReceiptJson.write(g, a.receipt());
            g.writeEndArray();
            PolicyEngine.Verdict<NodeAnswer> v = o.verdict();
            g.writeObjectFieldStart("verdict");
            g.writeStringField("status", v.status());
            g.writeNumberField("asked", v.asked());
            g.writeNumberField("agreeing", v.agreeing());
            if (!v.comparison().equals("none")) g.writeStringField("comparison", v.comparison()); // one answer: nothing compared
            g.writeArrayFieldStart("dissent");
            for (NodeAnswer d : v.dissent()) {
                g.writeStartObject();
                g.writeStringField("node", d.signer().toString());
                g.writeStringField("receiptId", d.receipt().id().toHex());
                g.writeStringField("outputsDigest", d.receipt().receipt().outputsDigest().toHex());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("audit", v.audit());
            g.writeEndObject();
            g.writeArrayFieldStart("payments");
            for (Payer.Payment p : o.payments()) {
                g.writeStartObject();
                g.writeStringField("node", p.node().toString());
                g.writeStringField("amount", p.amount().toString());
                g.writeStringField("cumulativeAmount", p.cumulativeAmount().toString());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("attempts");
            for (Attempt a : o.attempts()) writeAttempt(g, a);
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void writeAttempt(JsonGenerator g, Attempt a) throws IOException {
        g.writeStartObject();
        g.writeStringField("node", a.node().toString());
        g.writeStringField("url", a.url().toString());
        g.writeStringField("outcome", a.outcome());
        g.writeNumberField("ms", Math.round(a.ms() * 10) / 10.0);
        if (!a.detail().isEmpty()) g.writeStringField("detail", a.detail());
        g.writeEndObject();
    }

    // ---- other routes ------------------------------------------------------------------------------------

    private static void nodes(Context ctx, Services gateway) {
        Instant now = Instant.now();
        ArrayNode arr = JSON.createArrayNode();
        List<NodeState> sorted = new ArrayList<>(gateway.directory().all());
        sorted.sort(Comparator.comparing(n -> n.address.toString()));
        for (NodeState n : sorted) {
            ObjectNode o = arr.addObject();
            o.put("address", n.address.toString());
            o.put("url", n.url().toString());
            ArrayNode ms = o.putArray("models");
            for (NodeState.ServedModel m : n.served()) ms.add(m.name() + "@" + m.version());
            o.put("price", n.price().toString());
            o.put("stake", n.stake().toString());
            o.put("registered", n.registered());
            o.put("healthy", n.healthy());
            o.put("health", n.healthDetail());
            if (n.quarantined(now)) o.put("quarantinedUntil", n.quarantinedUntil().toString());
            double l = n.latencyMs();
            if (Double.isNaN(l)) o.putNull("latencyMs"); else o.put("latencyMs", Math.round(l * 100) / 100.0);
            o.put("errorRate", Math.round(n.errorRate() * 1000) / 1000.0);
            o.put("reputation", Math.round(n.reputation() * 1000) / 1000.0);
            o.put("answers", n.answers.get());
            o.put("failures", n.failures.get());
            o.put("dissents", n.dissents.get());
            o.set("attestation", attestation(gateway.tee().status(n.address)));
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("nodes", arr);
        ctx.json(body);
    }

    /** none | verified(kind, measurement, at) | rejected(step, reason) | unchecked, as docs/gateway.md shows. */
    private static ObjectNode attestation(TeeGate.Status s) {
        ObjectNode a = JSON.createObjectNode();
        switch (s) {
            case TeeGate.Status.Unchecked u -> a.put("status", "unchecked");
            case TeeGate.Status.None n -> a.put("status", "none");
            case TeeGate.Status.Verified v -> {
                a.put("status", "verified");
                a.put("kind", v.kind());
                a.put("measurement", v.measurement().toString());
                a.put("at", v.at().toString());
            }
            case TeeGate.Status.Rejected r -> {
                a.put("status", "rejected");
                a.put("step", r.step());
                a.put("reason", r.reason());
            }
        }
        return a;
    }

    private static void models(Context ctx, Services gateway) {
        Instant now = Instant.now();
        Map<Keccak256, ObjectNode> byDigest = new TreeMap<>(Comparator.comparing(Keccak256::toHex));
        for (NodeState n : gateway.directory().all()) {
            for (NodeState.ServedModel m : n.served()) {
                if (!n.canServe(m.digest(), now)) continue;
                ObjectNode o = byDigest.computeIfAbsent(m.digest(), d -> {
                    ObjectNode x = JSON.createObjectNode();
                    x.put("name", m.name());
                    x.put("version", m.version());
                    x.put("digest", d.toHex());
                    x.putArray("nodes");
                    return x;
                });
                ((ArrayNode) o.get("nodes")).add(n.address.toString());
            }
        }
        ObjectNode body = JSON.createObjectNode();
        ArrayNode arr = body.putArray("models");
        byDigest.values().forEach(arr::add);
        gateway.openAi().addModelList(body); // + {object: "list", data: [...]}: the language models, as OpenAI clients read them
        ctx.json(body);
    }

    private static void proof(Context ctx, Services gateway) throws Exception {
        Keccak256 id;
        EvmAddress node;
        try {
            id = Keccak256.parse(ctx.pathParam("id"));
        } catch (IllegalArgumentException e) {
            throw invalid(List.of(new Problem.FieldError("/id", "a receipt id is 0x followed by 64 hex digits")));
        }
        String q = ctx.queryParam("node");
        try {
            if (q == null) throw new IllegalArgumentException("required");
            node = EvmAddress.parse(q);
        } catch (IllegalArgumentException e) {
            throw invalid(List.of(new Problem.FieldError("query node", "the signer's address (0x + 40 hex digits) is required: "
                    + e.getMessage())));
        }
        NodeState n = gateway.directory().get(node).orElseThrow(() -> new ProblemException(Problem.Kind.NOT_FOUND,
                "this gateway does not know node " + node));
        HttpResponse<byte[]> resp = gateway.http().send(HttpRequest.newBuilder(n.url().resolve("/v1/receipts/" + id + "/proof"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        String type = resp.headers().firstValue("Content-Type").orElse("application/json");
        ctx.status(resp.statusCode()).contentType(type).result(resp.body());
    }

    private static void evidence(Context ctx, Services gateway) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode arr = body.putArray("evidence");
        for (EvidenceLog.Entry e : gateway.evidence().recent()) arr.add(EvidenceLog.json(e));
        ctx.json(body);
    }

    private static void health(Context ctx, Services gateway) {
        int healthy = 0, registered = 0;
        for (NodeState n : gateway.directory().all()) {
            if (n.registered()) registered++;
            if (n.registered() && n.healthy()) healthy++;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("status", healthy > 0 ? "ok" : "degraded");
        body.put("nodes", registered);
        body.put("healthy", healthy);
        gateway.directory().chainError().ifPresent(e -> body.put("chainError", e));
        ctx.json(body);
    }

    // ---- problems ----------------------------------------------------------------------------------------

    /** The node's own problem, as it said it: its pointers name the client's fields. */
    private static void relay(Context ctx, NodeResult.Failed<?> f) {
        if (f.problem() != null && f.problem().isObject()) {
            ObjectNode p = f.problem().deepCopy();
            p.put("instance", ctx.path());
            p.put("node", f.attempt().node().toString());
            try {
                ctx.status(p.path("status").asInt(400)).contentType(Problem.MEDIA_TYPE).result(JSON.writeValueAsBytes(p));
                return;
            } catch (IOException e) {
                // fall through to a problem of our own
            }
        }
        send(ctx, Problem.of(Problem.Kind.INVALID_REQUEST, "the node rejected the request: " + f.attempt().detail()));
    }

    private static Problem fromHttp(HttpResponseException e) {
        if (e.getStatus() == 413) return Problem.of(Problem.Kind.BODY_TOO_LARGE, e.getMessage());
        return new Problem("about:blank", e.getMessage(), e.getStatus(), e.getMessage(), List.of(), List.of());
    }

    /** A refusal of the shared hardening, as the gateway's problem (with Retry-After on a 429). */
    static void send(HttpFailure f, Context ctx) {
        f.retryAfter().ifPresent(d -> ctx.header("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
        send(ctx, new Problem(f.kind().type(), f.kind().title, f.status(), f.getMessage(),
                f.errors().stream().map(e -> new Problem.FieldError(e.pointer(), e.detail())).toList(), List.of()));
    }

    static void send(Context ctx, Problem p) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", p.type());
        body.put("title", p.title());
        body.put("status", p.status());
        if (p.detail() != null) body.put("detail", p.detail());
        body.put("instance", ctx.path());
        List<Problem.FieldError> errors = p.errors();
        if (errors.size() > FieldErrors.MAX + 1) { // a safety net: readers cap while collecting (MAX + "N more")
            int more = errors.size() - FieldErrors.MAX;
            errors = new ArrayList<>(errors.subList(0, FieldErrors.MAX));
            errors.add(new Problem.FieldError("", more + " more errors not shown"));
        }
        if (!errors.isEmpty()) {
            ArrayNode errs = body.putArray("errors");
            for (Problem.FieldError fe : errors) errs.addObject().put("pointer", fe.pointer()).put("detail", fe.detail());
        }
        if (!p.attempts().isEmpty()) {
            ArrayNode at = body.putArray("attempts");
            for (Attempt a : p.attempts()) {
                ObjectNode o = at.addObject();
                o.put("node", a.node().toString());
                o.put("url", a.url().toString());
                o.put("outcome", a.outcome());
                o.put("ms", Math.round(a.ms() * 10) / 10.0);
                if (!a.detail().isEmpty()) o.put("detail", a.detail());
            }
        }
        if (isOpenAiRoute(ctx.path())) { // OpenAI clients read {error: {message, type, code}}; the rest read the problem
            ObjectNode error = body.putObject("error");
            error.put("message", body.path("detail").asText(p.title()));
            error.put("type", p.status() >= 500 ? "server_error" : "invalid_request_error");
            error.putNull("param");
            error.put("code", p.type().substring(p.type().lastIndexOf(':') + 1));
        }
        try {
            ctx.status(p.status()).contentType(Problem.MEDIA_TYPE).result(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean isOpenAiRoute(String path) {
        return path.equals("/v1/chat/completions") || path.equals("/v1/completions");
    }
}
