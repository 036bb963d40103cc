package io.verity.node.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.verity.http.HttpFailure;
import io.verity.http.ProblemResponses;
import io.verity.http.RequestBodies;
import io.verity.http.RouteGate;
import io.verity.http.ServerHardening;
import io.verity.node.NodeConfig;
import io.verity.node.NodeEvidence;
import io.verity.node.dispute.DisputeTraces;
import io.verity.node.hub.Manifest;
import io.verity.node.pay.PaymentChannels;
import io.verity.node.serve.InferPhases;
import io.verity.node.serve.NodeService;
import io.verity.node.serve.Refusal;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.FieldErrors;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.FailureSource;
import io.verity.protocol.wire.InclusionProof;
import io.verity.protocol.wire.InferRequest;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import io.verity.protocol.wire.ProblemKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP API. Every error, including the server's own 404/405/413, leaves as
 * {@code application/problem+json}; no stack trace ever reaches a client.
 *
 * <pre>
 * POST /v1/infer                {model, inputs, requestId?, verification?} -> {outputs, receipt}
 * POST /v1/vouchers[?base=N]    a signed voucher -> {client, node, cumulativeAmount, redeemed}; with base, only if N is held
 * GET  /v1/vouchers/{client}    {client, node, cumulativeAmount (held, "0" if none), redeemed}
 * GET  /v1/models               manifests of the models served; also OpenAI's {object, data[]} list
 * POST /v1/chat/completions     OpenAI-compatible, see OpenAiApi; also /v1/completions
 * POST /v1/embeddings           OpenAI-compatible, see EmbeddingsApi
 * GET  /v1/models/{digest}      one manifest;  /file: the model bytes
 * GET  /v1/receipts/{id}        a receipt this node signed
 * GET  /v1/receipts/{id}/proof  {receiptId, batchRoot, batchId, proof[]} once settled on chain, else 404
 * GET  /v1/batches/{root}       a batch this node cut: {root, batchId, uri, count, ids, receipts}
 * GET  /v1/receipts/{id}/trace[/{i}[/inputs]]  a det receipt's trace, openings and operator inputs (TraceApi)
 * GET  /health
 * </pre>
 */
public final class NodeApi {
    private static final Logger LOG = LoggerFactory.getLogger(NodeApi.class);
    public static final ObjectMapper JSON = new ObjectMapper();

    private NodeApi() {}

    /**
     * Routes another feature adds to the node's API, with its parts of the shared answers (the OpenAI routes);
     * the HTTP edge calls it without knowing the feature.
     */
    public interface Extension {
        void register(JavalinConfig cfg);

        /** Adds members to the {@code GET /v1/models} body. */
        void addModels(ObjectNode body);

        /** Adds members to the {@code GET /health} body. */
        void addHealth(ObjectNode body);

        /** This extension, then {@code next}: routes of both, and each adds to the bodies in that order. */
        default Extension and(Extension next) {
            Extension first = this;
            return new Extension() {
                @Override
                public void register(JavalinConfig cfg) {
                    first.register(cfg);
                    next.register(cfg);
                }

                @Override
                public void addModels(ObjectNode body) {
                    first.addModels(body);
                    next.addModels(body);
                }

                @Override
                public void addHealth(ObjectNode body) {
                    first.addHealth(body);
                    next.addHealth(body);
                }
            };
        }
    }

    public static Javalin create(NodeConfig config, NodeService service, DisputeTraces traces, Extension extension) {
        return Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = false;
            cfg.jetty.threadPool = requestThreads(config.maxConcurrentInferences());
            ServerHardening.apply(cfg, config.http());
            String home = config.home().toAbsolutePath().toString();
            cfg.routes.before(ctx -> ctx.attribute(HOME, home)); // for scrub(): several nodes may share a JVM
            // Inference runs on a few engine threads; beyond this many at once a client is told to go elsewhere.
            RouteGate.install(cfg, config.http(), config.maxConcurrentInferences(),
                    List.of("/v1/infer", "/v1/chat/completions", "/v1/completions", "/v1/embeddings"));
            cfg.routes.post("/v1/infer", ctx -> infer(ctx, config, service));
            cfg.routes.get("/v1/models", ctx -> models(ctx, service, extension));
            cfg.routes.get("/v1/models/{digest}", ctx -> manifest(ctx, service));
            cfg.routes.get("/v1/models/{digest}/file", ctx -> modelFile(ctx, service));
            cfg.routes.get("/v1/receipts/{id}", ctx -> receipt(ctx, service));
            cfg.routes.get("/v1/receipts/{id}/proof", ctx -> proof(ctx, service));
            cfg.routes.get("/v1/batches/{root}", ctx -> batch(ctx, service));
            // dispute routes, see TraceApi
            cfg.routes.get("/v1/receipts/{id}/trace", ctx -> TraceApi.summary(ctx, traces));
            cfg.routes.get("/v1/receipts/{id}/trace/{i}", ctx -> TraceApi.entry(ctx, traces));
            cfg.routes.get("/v1/receipts/{id}/trace/{i}/inputs", ctx -> TraceApi.inputs(ctx, traces));
            cfg.routes.post("/v1/vouchers", ctx -> acceptVoucher(ctx, config, service));
            cfg.routes.get("/v1/vouchers/{client}", ctx -> channel(ctx, service));
            cfg.routes.get("/health", ctx -> health(ctx, config, service, extension));
            cfg.routes.get("/v1/attestation", ctx -> attestation(ctx, config, service));
            PaymentProblems.install(cfg, service); // payer gate on the answering routes, its 402
            NodeMetrics.install(cfg, service);
            extension.register(cfg); // POST /v1/chat/completions, /v1/completions
            cfg.routes.exception(Refusal.class, (e, ctx) -> send(ctx, problem(e)));
            cfg.routes.exception(ProblemException.class, (e, ctx) -> send(ctx, e.problem()));
            cfg.routes.exception(HttpFailure.class, NodeApi::send);
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> send(ctx, fromHttp(e)));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                // A bad chunk or a body cut short, met by a handler that reads the body its own way: the client's.
                var transport = RequestBodies.transport(e);
                if (transport.isPresent()) {
                    send(transport.get(), ctx);
                    return;
                }
                LOG.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
                send(ctx, ProblemKind.INTERNAL.problem("unexpected error; the node logged it"));
            });
            cfg.routes.error(404, ctx -> {
                if (!Problem.MEDIA_TYPE.equals(ctx.res().getContentType())) {
                    send(ctx, ProblemKind.NOT_FOUND.problem("no route " + ctx.method() + " " + ctx.path()));
                }
            });
            cfg.routes.error(405, ctx -> send(ctx, ProblemKind.METHOD_NOT_ALLOWED.problem(ctx.method() + " is not allowed on " + ctx.path())));
        });
    }

    /** Threads for the other routes while every inference permit is taken: health, receipts, models, vouchers. */
    static final int OTHER_ROUTE_THREADS = 64;
    /** Jetty's own: its acceptor, selectors (one per two cores, at most four) and a few reserved threads. */
    static final int JETTY_THREADS = 16;

    /**
     * Platform threads in a bounded pool rather than a virtual thread per request. With pooled threads Jetty runs
     * a request on the thread whose selector read it and lets a reserved thread go on selecting; a virtual thread
     * is one more hand-off per request (to a carrier, and back to the selector), each a wait for a core on a busy
     * machine: ~1-2 ms of a POST's latency and 1-4 context switches on 2 cores (docs/benchmarks.md). The bound
     * costs nothing: the inference routes are already gated at {@code maxConcurrentInferences} (429 beyond it),
     * so the pool holds those, room for the other routes, and Jetty's own threads; threads start on demand and
     * idle ones end after a minute.
     */
    static QueuedThreadPool requestThreads(int maxConcurrentInferences) {
        QueuedThreadPool pool = new QueuedThreadPool(maxConcurrentInferences + OTHER_ROUTE_THREADS + JETTY_THREADS, 8, 60_000);
        pool.setName("node-http");
        return pool;
    }

    /** The body under the one reading policy (RequestBodies: content type, size, transport, StrictJson). */
    private static JsonNode readJson(Context ctx, NodeConfig config) {
        return RequestBodies.json(ctx, config.maxBodyBytes());
    }

    private static void infer(Context ctx, NodeConfig config, NodeService service) throws IOException {
        InferPhases phases = service.phases();
        long start = System.nanoTime();
        JsonNode root = readJson(ctx, config);
        start = phases.since(InferPhases.Phase.READ_JSON, start);
        FieldErrors errors = new FieldErrors(); // capped: a million unknown members get a short answer
        InferRequest req = InferRequest.read(root, InferRequest.Route.NODE, errors);
        if (req == null) {
            throw ProblemKind.INVALID_REQUEST.exception(root.isObject() ? errors.count() + " error(s) in the request"
                    : InferRequest.Route.NODE.notAnObject(), errors.toList());
        }
        phases.since(InferPhases.Phase.PARSE_REQUEST, start);
        NodeMetrics.labelFrom(ctx, root);
        NodeService.Answer answer = service.infer(req.model(), req.inputs(), req.requestId().orElse(null),
                req.verification().orElse(VerificationMode.NONE));
        start = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("outputs");
            for (Tensor t : answer.outputs()) TensorJson.write(g, t);
            g.writeEndArray();
            g.writeFieldName("receipt");
            g.writeRawValue(new String(answer.receiptJson(), java.nio.charset.StandardCharsets.UTF_8)); // as logged
            g.writeEndObject();
        }
        ctx.status(200).contentType("application/json").result(out.toByteArray());
        phases.since(InferPhases.Phase.ENCODE, start);
    }

    private static PaymentChannels channels(NodeService service) {
        return service.channels().orElseThrow(() -> ProblemKind.NO_CHAIN.exception("this node does not settle on a chain; it accepts no vouchers"));
    }

    private static void acceptVoucher(Context ctx, NodeConfig config, NodeService service) throws IOException {
        PaymentChannels channels = channels(service);
        VoucherJson.Envelope voucher;
        JsonNode body = readJson(ctx, config);
        try {
            voucher = VoucherJson.read(body, "");
        } catch (InvalidFieldException e) {
            throw ProblemKind.INVALID_REQUEST.exception(e.errors().size() + " error(s) in the voucher",
                    e.errors());
        }
        Optional<BigInteger> base = Optional.empty();
        String baseParam = ctx.queryParam("base");
        if (baseParam != null) {
            try {
                base = Optional.of(new BigInteger(baseParam));
                if (base.get().signum() < 0) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw ProblemKind.INVALID_REQUEST.exception("query parameter base must be a decimal amount"
                        + " of wei >= 0", List.of(new FieldError("query base", "expected a decimal integer >= 0, got '"
                        + baseParam + "'")));
            }
        }
        PaymentChannels.Acceptance outcome;
        try {
            outcome = channels.accept(voucher, base);
        } catch (IOException e) {
            LOG.error("voucher store write failed", e);
            throw ProblemKind.UNAVAILABLE.exception("the node could not store the voucher durably, so it did not accept it; retry");
        }
        switch (outcome) {
            case PaymentChannels.Acceptance.Accepted a -> json(ctx, tree(a.channel()));
            case PaymentChannels.Acceptance.Invalid i -> throw ProblemKind.INVALID_REQUEST.exception(i.errors().size() + " error(s) in the voucher", i.errors());
            case PaymentChannels.Acceptance.NotIncreasing n -> throw new ProblemException(ProblemKind.VOUCHER_NOT_INCREASING.problem("cumulativeAmount " + voucher.voucher().cumulativeAmount()
                            + " does not exceed the " + n.held() + " wei this node holds for " + voucher.voucher().client()
                            + "; send a voucher above it", List.of(new FieldError("/cumulativeAmount",
                            "must exceed " + n.held()))).with("held", n.held().toString()));
            case PaymentChannels.Acceptance.StaleBase sb -> throw new ProblemException(ProblemKind.VOUCHER_BASE_STALE.problem("the voucher was built on " + sb.expected() + " wei but this node now holds "
                            + sb.held() + " wei for " + voucher.voucher().client() + "; add your increment to the held amount",
                    List.of(new FieldError("query base", "must equal " + sb.held()))).with("held", sb.held().toString()));
            case PaymentChannels.Acceptance.Underfunded u -> throw ProblemKind.INSUFFICIENT_DEPOSIT.exception("client " + voucher.voucher().client() + " has " + u.deposit() + " wei in escrow but the voucher "
                            + "asks " + u.cumulative().subtract(u.redeemed()) + " wei beyond the " + u.redeemed()
                            + " already redeemed; deposit more", List.of(new FieldError("/cumulativeAmount",
                            "exceeds what the client's deposit can pay")));
        }
    }

    private static void channel(Context ctx, NodeService service) {
        PaymentChannels channels = channels(service);
        EvmAddress client;
        try {
            String s = ctx.pathParam("client");
            if (!s.matches("0x[0-9a-fA-F]{40}")) throw new IllegalArgumentException("must be 0x and 40 hex digits, got '"
                    + s + "'");
            client = EvmAddress.parse(s);
        } catch (IllegalArgumentException e) {
            throw ProblemKind.INVALID_REQUEST.exception("client must be an address",
                    List.of(new FieldError("/client", e.getMessage())));
        }
        json(ctx, tree(channels.channel(client)));
    }

    private static ObjectNode tree(PaymentChannels.Channel c) {
        ObjectNode body = JSON.createObjectNode();
        body.put("client", c.client().toString());
        body.put("node", c.node().toString());
        body.put("cumulativeAmount", c.held().toString());
        body.put("redeemed", c.redeemed().toString());
        return body;
    }

    private static void models(Context ctx, NodeService service, Extension extension) {
        ArrayNode arr = JSON.createArrayNode();
        for (Manifest m : service.hub().list()) arr.add(tree(m));
        ObjectNode body = JSON.createObjectNode();
        body.set("models", arr);
        extension.addModels(body); // + {object: "list", data: [...]}, the shape OpenAI clients read
        json(ctx, body);
    }

    private static Manifest manifestOf(Context ctx, NodeService service) {
        Keccak256 digest = bytes32Param(ctx, "digest", "model digest");
        return service.hub().find(digest).orElseThrow(() ->
                ProblemKind.UNKNOWN_MODEL.exception("no model " + digest + " on this node"));
    }

    private static void manifest(Context ctx, NodeService service) {
        json(ctx, tree(manifestOf(ctx, service)));
    }

    private static void modelFile(Context ctx, NodeService service) throws IOException {
        Manifest m = manifestOf(ctx, service);
        Path file = service.hub().file(m.digest());
        ctx.status(200).contentType("application/octet-stream");
        ctx.header("Content-Length", Long.toString(Files.size(file)));
        ctx.header("X-Verity-Model-Digest", m.digest().toHex());
        try (InputStream in = Files.newInputStream(file)) {
            in.transferTo(ctx.outputStream());
        }
    }

    private static void receipt(Context ctx, NodeService service) {
        Keccak256 id = bytes32Param(ctx, "id", "receipt id");
        byte[] json = service.receipt(id).orElseThrow(() ->
                ProblemKind.NOT_FOUND.exception("no receipt " + id + " on this node"));
        ctx.status(200).contentType("application/json").result(json);
    }

    /** The path parameter {@code name} as a bytes32, or a 400 naming it. */
    static Keccak256 bytes32Param(Context ctx, String name, String what) {
        try {
            return Keccak256.parse(ctx.pathParam(name));
        } catch (IllegalArgumentException e) {
            throw ProblemKind.INVALID_REQUEST.exception(what + " must be a 0x bytes32",
                    List.of(new FieldError("/" + name, e.getMessage())));
        }
    }

    private static void proof(Context ctx, NodeService service) {
        Keccak256 id = bytes32Param(ctx, "id", "receipt id");
        InclusionProof p = service.batcher().flatMap(b -> b.proof(id)).orElseThrow(() ->
                ProblemKind.NOT_FOUND.exception(service.receipt(id).isPresent()
                        ? "receipt " + id + " is not settled on chain yet; retry later"
                        : "no receipt " + id + " on this node"));
        json(ctx, p.toJson());
    }

    private static void batch(Context ctx, NodeService service) {
        Keccak256 root = bytes32Param(ctx, "root", "batch root");
        byte[] json = service.batcher().flatMap(b -> b.batchJson(root)).orElseThrow(() ->
                ProblemKind.NOT_FOUND.exception("no batch " + root + " on this node"));
        ctx.status(200).contentType("application/json").result(json);
    }

    /**
     * The node's TEE evidence as given to it, base64, with its kind, digest and extras; a node without evidence
     * answers kind "none" and the zero digest, never something that looks like evidence.
     */
    private static void attestation(Context ctx, NodeConfig config, NodeService service) {
        ObjectNode body = JSON.createObjectNode();
        body.put("node", service.identity().address().toString());
        if (config.attestation().isEmpty()) {
            body.put("kind", "none");
            body.put("digest", io.verity.protocol.Keccak256.ZERO.toString());
        } else {
            NodeEvidence e = config.attestation().get();
            java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
            body.put("kind", e.kind().id());
            body.put("digest", e.digest().toString());
            body.put("evidence", b64.encodeToString(e.evidence()));
            var extras = body.putArray("extras");
            for (byte[] x : e.extras()) extras.add(b64.encodeToString(x));
        }
        json(ctx, body);
    }

    private static void health(Context ctx, NodeConfig config, NodeService service, Extension extension) {
        ObjectNode body = JSON.createObjectNode();
        body.put("status", "ok");
        body.put("node", service.identity().address().toString());
        body.put("engine", service.engine().id());
        body.put("models", service.hub().list().size());
        body.put("receipts", service.receiptCount());
        service.batcher().ifPresent(b -> body.put("settledReceipts", b.settledReceipts()));
        body.put("attestation", config.attestation().map(e -> e.kind().id()).orElse("none"));
        extension.addHealth(body); // each language model's engine state (llm slice, issue 13)
        json(ctx, body);
    }

    private static JsonNode tree(Manifest m) {
        try {
            return JSON.readTree(m.toJson());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Problem fromHttp(HttpResponseException e) {
        return switch (e.getStatus()) {
            case 413 -> ProblemKind.BODY_TOO_LARGE.problem("request body exceeds this node's limit: " + e.getMessage());
            case 404 -> ProblemKind.NOT_FOUND.problem(e.getMessage());
            case 405 -> ProblemKind.METHOD_NOT_ALLOWED.problem(e.getMessage());
            default -> new Problem("urn:verity:problem:http-" + e.getStatus(), e.getMessage(), e.getStatus(),
                    e.getMessage(), null, List.of(), null, null, null);
        };
    }

    static void json(Context ctx, JsonNode body) {
        try {
            ctx.status(200).contentType("application/json").result(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A refusal of the shared hardening, as this node's problem (with Retry-After on a 429). */
    static void send(HttpFailure f, Context ctx) {
        f.retryAfter().ifPresent(d -> ctx.header("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
        send(ctx, f.problem());
    }

    /**
     * Every problem the node sends says who caused it and whether another node may succeed (what a gateway's
     * failover reads, {@link FailureSource}): its own source, else the one its status implies. No text names the
     * node's home directory.
     */
    public static void send(Context ctx, Problem p) {
        if (p.source() == null) p = p.withSource(FailureSource.ofStatus(p.status()));
        ProblemResponses.send(ctx, scrub(ctx, p));
    }

    /** A refusal of serving as the problem the node answers; its reason decides status, slug and source. */
    static Problem problem(Refusal e) {
        ProblemKind kind = switch (e.reason()) {
            case UNKNOWN_MODEL -> ProblemKind.UNKNOWN_MODEL;
            case NOT_A_TENSOR_MODEL, BAD_PAYER -> ProblemKind.INVALID_REQUEST;
            case MODEL_UNLOADABLE, NOT_DURABLE -> ProblemKind.UNAVAILABLE;
            case INVALID_INPUT -> ProblemKind.INVALID_INPUT;
            case ENGINE_FAILED -> ProblemKind.INTERNAL;
            case RUN_TOO_LONG -> ProblemKind.RUN_TOO_LONG;
        };
        return kind.problem(e.getMessage(), e.errors());
    }

    private static Problem scrub(Context ctx, Problem p) {
        Problem.OpenAiError e = p.openAiError();
        return new Problem(p.type(), p.title(), p.status(), scrub(ctx, p.detail()), p.instance(),
                p.errors().stream().map(fe -> new FieldError(fe.pointer(), scrub(ctx, fe.detail()))).toList(), p.source(),
                p.extensions(), e == null ? null : new Problem.OpenAiError(scrub(ctx, e.message()), e.type(), e.param(), e.code()));
    }

    /** The node's own directories never reach a remote client (a hub's "no model in /home/..."). */
    private static String scrub(Context ctx, String text) {
        String home = ctx.attribute(HOME);
        return home == null || home.length() < 2 || text == null ? text : text.replace(home, "<node home>");
    }

    private static final String HOME = "verity.node.home";

}
