package io.verity.gateway.http;

import io.verity.client.NodeApiClient;
import io.verity.protocol.wire.GatewayAnswer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.verity.gateway.GatewayConfig;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.policy.NodeResult;
import io.verity.gateway.policy.PolicyEngine;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.tee.TeeGate;
import io.verity.gateway.tensor.NodeAnswer;
import io.verity.gateway.tensor.NodeCaller;
import io.verity.http.HttpFailure;
import io.verity.http.ProblemResponses;
import io.verity.http.RequestBodies;
import io.verity.http.RouteGate;
import io.verity.http.ServerHardening;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.FieldErrors;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.wire.InferRequest;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import io.verity.protocol.wire.ProblemKind;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gateway's HTTP API (docs/gateway.md). Every error leaves as problem+json; nothing leaks a stack trace. */
public final class GatewayApi {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
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
            cfg.routes.get("/v1/disputes/{id}/evidence", ctx -> disputeEvidence(ctx, gateway));
            cfg.routes.get("/health", ctx -> health(ctx, gateway));
            GatewayMetrics.install(cfg, gateway);
            gateway.openAi().register(cfg); // POST /v1/chat/completions, /v1/completions to a node, checked and paid
            cfg.routes.exception(ProblemException.class, (e, ctx) -> ProblemResponses.send(ctx, e.problem()));
            cfg.routes.exception(PolicyEngine.Rejected.class, (e, ctx) -> relay(ctx, e.failure));
            cfg.routes.exception(Payer.DepositShort.class, (e, ctx) -> DepositProblem.send(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> ProblemResponses.send(ctx, fromHttp(e)));
            cfg.routes.exception(HttpFailure.class, (e, ctx) -> ProblemResponses.send(ctx, e));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                var transport = RequestBodies.transport(e); // a bad chunk or a cut body, met by any handler: the client's
                if (transport.isPresent()) {
                    ProblemResponses.send(ctx, transport.get());
                    return;
                }
                LOG.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
                ProblemResponses.send(ctx, ProblemKind.INTERNAL.problem("unexpected error; the gateway logged it"));
            });
            cfg.routes.error(404, ctx -> {
                if (!Problem.MEDIA_TYPE.equals(ctx.res().getContentType())) {
                    ProblemResponses.send(ctx, ProblemKind.NOT_FOUND.problem("no route " + ctx.method() + " " + ctx.path()));
                }
            });
            cfg.routes.error(405, ctx -> ProblemResponses.send(ctx, ProblemKind.METHOD_NOT_ALLOWED.problem(
                    ctx.method() + " is not allowed on " + ctx.path())));
        });
    }

    // ---- POST /v1/infer -----------------------------------------------------------------------------------

    private static void infer(Context ctx, Services gateway) throws Exception {
        JsonNode root = RequestBodies.json(ctx, gateway.config().maxBodyBytes()); // StrictJson, 415, 413, transport 4xx
        GatewayMetrics.noteFields(ctx, root);
        FieldErrors errors = new FieldErrors(); // capped: a million unknown members get a short answer
        InferRequest req = InferRequest.read(root, InferRequest.Route.GATEWAY, errors); // the one /v1/infer validation
        if (root == null || !root.isObject()) throw invalid(errors);
        // The headers the gateway adds: the policy when the body names none, and the hedge delay.
        Policy policy = gateway.config().defaultPolicy();
        String header = ctx.header(PolicyEngine.POLICY_HEADER);
        JsonNode pol = root.get("policy");
        if ((pol == null || pol.isNull()) && header != null) {
            try {
                policy = Policy.parse(header);
            } catch (IllegalArgumentException e) {
                errors.add("header " + PolicyEngine.POLICY_HEADER, e.getMessage());
            }
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
        if (req == null || !errors.isEmpty()) throw invalid(errors);
        if (req.policy().isPresent()) policy = req.policy().get();
        Keccak256 digest = resolve(req.model(), gateway);
        Keccak256 requestId = req.requestId().orElseGet(GatewayApi::randomRequestId);
        NodeCaller.Call call = NodeCaller.Call.of(requestId, digest, root.get("inputs"), req.inputs(), policy.mode());
        PolicyEngine.Outcome<NodeAnswer> outcome = gateway.engine().run(new PolicyEngine.Request<>(requestId, digest, policy,
                call, call, hedge, 1, gateway.tensors(), NodeAnswer.agreement(gateway.rules().toleranceFor(req.model(), digest)),
                a -> 1));
        ctx.header(GatewayMetrics.REQUEST_ID_HEADER, requestId.toHex()); // logged with the request, as the nodes log it
        ctx.status(200).contentType("application/json").result(write(requestId, req.model(), policy, outcome));
    }

    private static ProblemException invalid(FieldErrors errors) {
        return ProblemKind.INVALID_REQUEST.exception(errors.count() + " error(s) in the request", errors.toList());
    }

    private static ProblemException invalid(String pointer, String detail) {
        return ProblemKind.INVALID_REQUEST.exception("1 error(s) in the request", List.of(new FieldError(pointer, detail)));
    }

    /** A name, name@version or digest, resolved against what healthy nodes serve; the most widely served wins. */
    static Keccak256 resolve(String ref, Services gateway) {
        if (ref.startsWith("0x")) {
            try {
                return Keccak256.parse(ref);
            } catch (IllegalArgumentException e) {
                throw invalid("/model", "a digest must be 0x followed by 64 hex digits: " + e.getMessage());
            }
        }
        int at = ref.indexOf('@');
        String name = at < 0 ? ref : ref.substring(0, at);
        String version = at < 0 ? null : ref.substring(at + 1);
        Map<Keccak256, Integer> servedBy = new LinkedHashMap<>();
        Map<Keccak256, String> versions = new LinkedHashMap<>();
        Instant now = gateway.directory().clock().instant();
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
                .orElseThrow(() -> ProblemKind.UNKNOWN_MODEL.exception("no healthy node serves model '" + ref
                        + "'; GET /v1/models lists what the network serves"));
    }

    private static Keccak256 randomRequestId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Keccak256.wrap(b);
    }

    /** The answer as {@link GatewayAnswer} writes it; the outputs relayed as the node sent them. */
    private static byte[] write(Keccak256 requestId, String model, Policy policy, PolicyEngine.Outcome<NodeAnswer> o) {
        List<GatewayAnswer.Attempt> attempts = o.attempts().stream().map(Attempt::toWire).toList();
        GatewayAnswer answer = new GatewayAnswer(requestId, model, policy, o.primary().outputs(),
                o.supporting().stream().map(NodeAnswer::receipt).toList(), o.verdict().toWire(), o.payments(), attempts);
        return answer.toJson(o.primary().outputsJson());
    }

    // ---- other routes ------------------------------------------------------------------------------------

    private static void nodes(Context ctx, Services gateway) {
        Instant now = gateway.directory().clock().instant();
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
            o.put("audits", n.audits.get());
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
        Instant now = gateway.directory().clock().instant();
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
            throw invalid("/id", "a receipt id is 0x followed by 64 hex digits");
        }
        String q = ctx.queryParam("node");
        try {
            if (q == null) throw new IllegalArgumentException("required");
            node = EvmAddress.parse(q);
        } catch (IllegalArgumentException e) {
            throw invalid("query node", "the signer's address (0x + 40 hex digits) is required: " + e.getMessage());
        }
        NodeState n = gateway.directory().get(node).orElseThrow(() -> ProblemKind.NOT_FOUND.exception(
                "this gateway does not know node " + node));
        NodeApiClient.RawAnswer resp = NodeApiClient.of(n.url(), Duration.ofSeconds(10), gateway.http())
                .getRaw("/v1/receipts/" + id + "/proof");
        ctx.status(resp.status()).contentType(resp.contentType()).result(resp.body());
    }

    private static void evidence(Context ctx, Services gateway) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode arr = body.putArray("evidence");
        for (EvidenceLog.Entry e : gateway.evidence().recent()) arr.add(EvidenceLog.json(e));
        ctx.json(body);
    }

    /** What a committee member re-runs: the inputs and accused outputs of a receipt this gateway disputed. */
    private static void disputeEvidence(Context ctx, Services gateway) {
        Keccak256 id;
        try {
            id = Keccak256.parse(ctx.pathParam("id"));
        } catch (IllegalArgumentException e) {
            throw invalid("/id", "a receipt id is 0x followed by 64 hex digits");
        }
        byte[] doc = gateway.committee().flatMap(f -> f.evidence(id)).orElseThrow(() -> ProblemKind.NOT_FOUND.exception(
                "this gateway disputed no receipt " + id));
        ctx.contentType("application/json").result(doc);
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
        ProblemResponses.send(ctx, ProblemKind.INVALID_REQUEST.problem("the node rejected the request: " + f.attempt().detail()));
    }

    private static Problem fromHttp(HttpResponseException e) {
        if (e.getStatus() == 413) return ProblemKind.BODY_TOO_LARGE.problem(e.getMessage());
        return new Problem("about:blank", e.getMessage(), e.getStatus(), e.getMessage(), null, List.of(), null, Map.of(), null);
    }
}
