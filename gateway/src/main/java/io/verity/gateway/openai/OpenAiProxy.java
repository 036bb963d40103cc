package io.verity.gateway.openai;

import io.verity.protocol.wire.AnswerVerdict;
import io.verity.protocol.wire.Payment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.pay.PayerHeaders;
import io.verity.gateway.policy.NodeResult;
import io.verity.gateway.policy.PolicyEngine;
import io.verity.gateway.problem.NodeAttempts;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeDirectory;
import io.verity.gateway.routing.NodeState;
import io.verity.http.ProblemResponses;
import io.verity.gateway.tensor.Tolerance;
import io.verity.llm.ChatDigests;
import io.verity.llm.EmbeddingDigests;
import io.verity.llm.EmbeddingDisputeEvidence;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.AskedModel;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.FailureSource;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import io.verity.protocol.wire.ProblemKind;
import jakarta.servlet.ServletOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible routes, {@code POST /v1/chat/completions}, {@code /v1/completions} and
 * {@code /v1/embeddings} (never streamed; compared under {@code redundant:k} and audits bit for bit between
 * deterministic nodes, else within the model's tolerance, see {@link EmbeddingDigests}), under the
 * gateway's policies (docs/llm.md, "Gateway"). Every answer's receipt is checked as for {@code /v1/infer}
 * (signature in this chain's domain, signer is the node asked, requestId, model digest, and both digests
 * recomputed from the request and the answer, see {@link ChatDigests}) before the gateway pays for it and adds
 * {@code verdict}, {@code payment} and {@code attempts} to the answer's {@code verity} object.
 *
 * <ul>
 *   <li>{@code none}, {@code tee}: one node; a node that fails before the first token reaches the client
 *       (connect error, 5xx, 404, no first token within the request timeout, a stream that breaks or a receipt
 *       that fails) is replaced by the next, transparently. After the first token a failure ends the stream
 *       with an error event; without a valid receipt nothing is paid.
 *   <li>{@code redundant:k}: k nodes of distinct operators run the same request (same requestId); answers are
 *       compared by the response digest their receipts sign (message and token counts); the majority is
 *       returned, a split asks one more node, dissenters are quarantined and recorded as evidence. Streamed,
 *       the winning node's own chunks are replayed once the answers agree (the first token waits for agreement).
 *   <li>{@code sample:p}: one node answers as for none; with the audit probability another node re-runs the
 *       request in the background and a mismatch goes to a referee.
 * </ul>
 *
 * Redundant and sampled requests must be reproducible (temperature 0, or a seed), else 400. The policies themselves
 * (failover, quorum, audits, payment) are the {@link PolicyEngine}'s, as for tensors; this class is the OpenAI
 * HTTP adapter over it: parsing, the stream relay, and the answer's and errors' OpenAI shape.
 */
public final class OpenAiProxy {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiProxy.class);
    private static final ObjectMapper JSON = LlmCaller.JSON;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** {@link NodeState.ServedModel#version()} of the language models a node lists. */
    public static final String LLM_VERSION = "llm";
    /** {@link NodeState.ServedModel#version()} of the embedding models a node lists. */
    public static final String EMBEDDING_VERSION = "embedding";
    static final String REQUEST_ID_HEADER = "Verity-Request-Id";

    private final PolicyEngine engine;
    private final LlmCaller caller;
    private final NodeDirectory directory;
    private final Policy defaultPolicy;
    private final Duration requestTimeout;
    private final Function<String, Tolerance> tolerances;
    private final Clock clock;

    private OpenAiProxy(PolicyEngine engine, LlmCaller caller, NodeDirectory directory, Policy defaultPolicy,
            Duration requestTimeout, Function<String, Tolerance> tolerances, Clock clock) {
        this.engine = engine;
        this.caller = caller;
        this.directory = directory;
        this.defaultPolicy = defaultPolicy;
        this.requestTimeout = requestTimeout;
        this.tolerances = tolerances;
        this.clock = clock;
    }

    /**
     * @param payer named and proven to nodes, which serve a payer only within its credit
     * @param calls where whole answers are awaited
     * @param requestTimeout how long a stream's first token may take
     * @param tolerances how far two nodes' embeddings of a model may differ and still agree (by model name)
     */
    public static OpenAiProxy create(PolicyEngine engine, NodeDirectory directory, HttpClient http, Eip712Domain domain,
            PayerHeaders payer, Executor calls, Policy defaultPolicy, Duration requestTimeout,
            Function<String, Tolerance> tolerances, EvidenceLog evidence) {
        return new OpenAiProxy(engine, new LlmCaller(http, domain, payer, calls, evidence, directory.clock()), directory, defaultPolicy, requestTimeout,
                tolerances, directory.clock());
    }

    /** Gets every checked embeddings answer as its committee-dispute evidence (the gateway's CommitteeFeed archive). */
    public void onEmbeddings(BiConsumer<SignedReceipt, EmbeddingDisputeEvidence> sink) {
        caller.onEmbeddings(sink);
    }

    public void register(JavalinConfig cfg) {
        cfg.routes.post("/v1/chat/completions", ctx -> forward(ctx, "/v1/chat/completions"));
        cfg.routes.post("/v1/completions", ctx -> forward(ctx, "/v1/completions"));
        cfg.routes.post(EmbeddingDigests.PATH, ctx -> forward(ctx, EmbeddingDigests.PATH));
    }

    /** OpenAI's model list: each language or embedding model a healthy node serves, once, with the nodes serving it. */
    public void addModelList(ObjectNode body) {
        body.put("object", "list");
        var data = body.putArray("data");
        Map<String, ObjectNode> byName = new java.util.TreeMap<>();
        Instant now = clock.instant();
        for (NodeState n : directory.all()) {
            for (NodeState.ServedModel m : n.served()) {
                boolean llm = m.version().equals(LLM_VERSION);
                if (!(llm || m.version().equals(EMBEDDING_VERSION)) || !n.canServe(m.digest(), now)) continue;
                ObjectNode o = byName.computeIfAbsent(m.name(), name -> {
                    ObjectNode x = JSON.createObjectNode().put("id", name).put("object", "model").put("created", 0)
                            .put("owned_by", "verity").put("verity_model_digest", m.digest().toHex())
                            .put("verity_kind", llm ? "llm" : "embedding");
                    x.putArray("verity_nodes");
                    return x;
                });
                ((ArrayNode) o.get("verity_nodes")).add(n.address.toString());
            }
        }
        byName.values().forEach(data::add);
    }

    /**
     * An error for the client: an RFC 9457 problem with OpenAI's error object, as the node sends them (the title is
     * the message), the source its status implies, and {@code attempts} behind a 502.
     */
    private static Problem problem(int status, String slug, String message, String param, String code, List<Attempt> attempts) {
        return new Problem(Problem.TYPE_PREFIX + slug, message, status, message, null,
                param == null ? List.of() : List.of(new FieldError("/" + param.replace('.', '/'), message)),
                FailureSource.ofStatus(status),
                attempts.isEmpty() ? Map.of() : Map.of(NodeAttempts.MEMBER, NodeAttempts.json(attempts)),
                new Problem.OpenAiError(message, status < 500 ? "invalid_request_error" : "server_error", param, code));
    }

    private static ProblemException fail(int status, String slug, String message, String param, String code) {
        return new ProblemException(problem(status, slug, message, param, code, List.of()));
    }

    private static ProblemException invalid(String param, String message) {
        return fail(400, "invalid-request", message, param, "invalid_request");
    }

    /** The engine's problems in OpenAI's terms: OpenAI's code for a model no one serves, the slug otherwise. */
    private static Problem openAi(Problem p) {
        if (p.openAiError() != null) return p;
        String param = p.errors().isEmpty() ? null : p.errors().get(0).pointer().replaceFirst("^/", "");
        String code = p.slug().replace('-', '_');
        String message = p.detail() != null ? p.detail() : p.title();
        if (p.slug().equals(ProblemKind.UNKNOWN_MODEL.slug)) {
            code = "model_not_found";
            param = "model";
            p = p.withErrors(List.of(new FieldError("/model", message)));
        }
        return p.withSource(p.source() != null ? p.source() : FailureSource.ofStatus(p.status()))
                .withOpenAiError(new Problem.OpenAiError(message, p.status() < 500 ? "invalid_request_error" : "server_error",
                        param, code));
    }

    private void forward(Context ctx, String path) throws Exception {
        try {
            route(ctx, path);
        } catch (PolicyEngine.Rejected r) {
            byte[] body = r.failure.body();
            try {
                if (JSON.readTree(body) instanceof ObjectNode o) {
                    o.set(NodeAttempts.MEMBER, NodeAttempts.json(r.attempts));
                    body = JSON.writeValueAsBytes(o);
                }
            } catch (IOException notJson) {
                // relayed as it came
            }
            ctx.status(r.failure.status()).contentType(r.failure.contentType()).result(body);
        } catch (ProblemException e) {
            ProblemResponses.send(ctx, openAi(e.problem()));
        }
    }

    private void route(Context ctx, String path) throws Exception {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).matches("application/json\\s*(;.*)?")) {
            throw fail(415, "unsupported-media-type", "Content-Type must be application/json, got "
                    + (type == null ? "none" : type), null, "unsupported_media_type");
        }
        JsonNode parsed;
        try {
            parsed = StrictJson.standard().read(ctx.bodyAsBytes());
        } catch (InvalidFieldException e) {
            String pointer = e.errors().get(0).pointer();
            throw fail(400, "malformed-json", "request body is not valid JSON: " + e.errors().get(0).detail(),
                    pointer.isEmpty() ? null : pointer.substring(1).replace('/', '.'), "malformed_json");
        }
        if (!(parsed instanceof ObjectNode body) || !body.path("model").isTextual()) {
            throw invalid("model", "model is required: the name of a language or embedding model");
        }
        // The gateway's own member is not forwarded: the nodes digest exactly the request they run.
        JsonNode verity = body.remove("verity");
        Policy policy = policy(ctx, verity);
        String model = body.get("model").asText();
        AskedModel asked = asked(ctx, verity, model);
        Keccak256 requestId = requestId(ctx);
        boolean embeddings = path.equals(EmbeddingDigests.PATH); // deterministic: every policy applies as is
        if (!embeddings && !(policy instanceof Policy.None || policy instanceof Policy.Tee) && !reproducible(body)) {
            throw invalid("seed", policy.wireName() + " compares the answers of several nodes token for token, so "
                    + "every node must sample alike: set temperature 0 (greedy) or a seed");
        }
        Keccak256 digest = asked.pinnedDigest().isPresent() ? requireServed(model, asked.pinnedDigest().get(), embeddings)
                : pinned(model, embeddings);
        byte[] bytes = verity == null ? ctx.bodyAsBytes() : JSON.writeValueAsBytes(body);
        LlmCaller.Call call = new LlmCaller.Call(path, body, bytes, digest, requestId,
                !embeddings && body.path("stream").asBoolean(false), asked, policy.wireName());
        PolicyEngine.Request<LlmCaller.Call, LlmCaller.LlmAnswer> req = new PolicyEngine.Request<>(requestId, digest, policy, call,
                call.unstreamed(), Duration.ZERO, embeddings ? embeddingTokens(body) : tokens(body), caller,
                embeddings ? LlmCaller.embeddingAgreement(tolerances.apply(model)) : LlmCaller.AGREEMENT, LlmCaller.LlmAnswer::tokens);
        if (call.stream() && !(policy instanceof Policy.Redundant)) {
            engine.stream(req, (node, attempts, settle) -> relay(ctx, node, call, attempts, settle));
            return;
        }
        PolicyEngine.Outcome<LlmCaller.LlmAnswer> outcome = engine.run(req);
        completeVerity(outcome);
        if (call.stream()) replay(ctx, call, outcome.primary());
        else answer(ctx, outcome.primary());
    }

    /**
     * The most tokens the answer's usage may count, for the deposit hold: the prompt, estimated at four bytes of JSON
     * a token, plus max_tokens for each of n choices. Values the node would refuse count as their default or limit:
     * the node's 400 names them, not a 402.
     */
    static long tokens(ObjectNode body) {
        int maxTokens = io.verity.llm.Sampling.DEFAULT_MAX_TOKENS;
        for (String f : new String[] {"max_tokens", "max_completion_tokens"}) {
            if (body.path(f).canConvertToInt()) maxTokens = Math.clamp(body.get(f).asInt(), 1, io.verity.llm.Sampling.MAX_TOKENS_LIMIT);
        }
        int choices = body.path("n").canConvertToInt() ? Math.clamp(body.get("n").asInt(), 1, io.verity.llm.Sampling.MAX_CHOICES) : 1;
        JsonNode prompt = body.has("messages") ? body.get("messages") : body.path("prompt");
        return (long) maxTokens * choices + prompt.toString().length() / 4 + 1;
    }

    /**
     * The most tokens an embeddings answer's usage may count, for the deposit hold: each input at most its length
     * plus [CLS] and [SEP] (a word piece covers at least one character, a token id is one token), and never more
     * than the models' 512 positions; inputs past OpenAI's 2048 count as none: the node's 400 names them.
     */
    static long embeddingTokens(ObjectNode body) {
        JsonNode in = body.path("input");
        if (in.isTextual()) return Math.min(512, in.asText().length() + 2L);
        if (!in.isArray() || in.isEmpty()) return 1;
        if (in.get(0).isNumber()) return Math.min(512, in.size());
        long n = 0;
        for (int i = 0; i < Math.min(in.size(), 2048); i++) {
            JsonNode x = in.get(i);
            n += Math.min(512, x.isTextual() ? x.asText().length() + 2L : x.size());
        }
        return Math.max(1, n);
    }

    private Policy policy(Context ctx, JsonNode verity) {
        String header = ctx.header(PolicyEngine.POLICY_HEADER);
        if (verity != null && !verity.isNull()) {
            if (!verity.isObject()) throw invalid("verity", "verity must be an object {\"policy\": …}");
            var names = verity.fieldNames();
            while (names.hasNext()) {
                String f = names.next();
                if (!VERITY_MEMBERS.contains(f)) {
                    throw invalid("verity." + f, "unknown field verity." + f + ", expected one of " + String.join(", ", VERITY_MEMBERS));
                }
            }
            JsonNode pol = verity.get("policy");
            if (pol != null && !pol.isNull()) {
                try {
                    if (!pol.isTextual()) throw new IllegalArgumentException("must be a string: none, redundant:k, sample:p or tee");
                    return Policy.parse(pol.asText());
                } catch (IllegalArgumentException e) {
                    throw invalid("verity.policy", "verity.policy: " + e.getMessage());
                }
            }
        }
        if (header == null) return defaultPolicy;
        try {
            return Policy.parse(header);
        } catch (IllegalArgumentException e) {
            throw fail(400, "invalid-request", "header " + PolicyEngine.POLICY_HEADER + ": " + e.getMessage(), null,
                    "invalid_request");
        }
    }

    /** The members of a request's {@code verity} object (docs/llm.md). */
    static final List<String> VERITY_MEMBERS = List.of("policy", "model_digest", "allow_substitution");
    /** Headers with the same meaning as {@code verity.model_digest} and {@code verity.allow_substitution}; the member wins. */
    public static final String MODEL_DIGEST_HEADER = "Verity-Model-Digest";
    public static final String ALLOW_SUBSTITUTION_HEADER = "Verity-Allow-Substitution";

    /** What the request accepts as its model: by name, pinned to a digest, substitution allowed or not. */
    private static AskedModel asked(Context ctx, JsonNode verity, String model) {
        JsonNode v = verity != null && verity.isObject() ? verity : JSON.createObjectNode();
        Optional<Keccak256> pin = Optional.empty();
        JsonNode d = v.get("model_digest");
        String pinText = d != null && !d.isNull() ? (d.isTextual() ? d.asText() : d.toString()) : ctx.header(MODEL_DIGEST_HEADER);
        String pinWhere = d != null && !d.isNull() ? "verity.model_digest" : "header " + MODEL_DIGEST_HEADER;
        if (pinText != null) {
            try {
                pin = Optional.of(Keccak256.parse(pinText.strip()));
            } catch (IllegalArgumentException e) {
                throw invalid(d != null && !d.isNull() ? "verity.model_digest" : null, pinWhere
                        + " must be a model digest, 0x followed by 64 hex digits, got '" + pinText + "'");
            }
        }
        JsonNode a = v.get("allow_substitution");
        boolean allow;
        if (a != null && !a.isNull()) {
            if (!a.isBoolean()) throw invalid("verity.allow_substitution", "verity.allow_substitution must be true or false, got " + a);
            allow = a.asBoolean();
        } else {
            String h = ctx.header(ALLOW_SUBSTITUTION_HEADER);
            if (h != null && !h.strip().equals("true") && !h.strip().equals("false")) {
                throw fail(400, "invalid-request", "header " + ALLOW_SUBSTITUTION_HEADER + " must be true or false, got '" + h + "'",
                        null, "invalid_request");
            }
            allow = h != null && h.strip().equals("true");
        }
        return new AskedModel(model, pin, allow);
    }

    private static Keccak256 requestId(Context ctx) {
        String rid = ctx.header(REQUEST_ID_HEADER);
        if (rid == null) {
            byte[] b = new byte[32];
            RANDOM.nextBytes(b);
            return Keccak256.wrap(b);
        }
        try {
            return Keccak256.parse(rid.strip());
        } catch (IllegalArgumentException e) {
            throw fail(400, "invalid-request", "header " + REQUEST_ID_HEADER + " must be 0x followed by 64 hex digits "
                    + "(bytes32), got '" + rid + "'", null, "invalid_request");
        }
    }

    /** Greedy, or seeded: the node's default temperature is 1 and, without a seed, each node draws its own. */
    static boolean reproducible(JsonNode body) {
        JsonNode t = body.get("temperature");
        return (t != null && t.isNumber() && t.asDouble() == 0) || (body.hasNonNull("seed"));
    }

    /** The digest most healthy nodes serve under this name, so every node of one request runs the same bytes. */
    private Keccak256 pinned(String model, boolean embeddings) {
        return servedBy(model, embeddings).entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElseThrow(() -> fail(404, "unknown-model", "no healthy node serves " + (embeddings ? "embedding" : "language")
                        + " model '" + model + "'; GET /v1/models lists what the network serves", "model", "model_not_found"));
    }

    /** The digest a request pinned, when a healthy node serves it under this name. */
    private Keccak256 requireServed(String model, Keccak256 digest, boolean embeddings) {
        if (servedBy(model, embeddings).containsKey(digest)) return digest;
        throw fail(404, "unknown-model", "no healthy node serves " + (embeddings ? "embedding" : "language") + " model '" + model
                + "' with the pinned digest " + digest + "; GET /v1/models lists each model's verity_model_digest",
                "verity.model_digest", "model_not_found");
    }

    /** How many healthy nodes serve each digest under this name. */
    private Map<Keccak256, Integer> servedBy(String model, boolean embeddings) {
        Map<Keccak256, Integer> servedBy = new LinkedHashMap<>();
        Instant now = clock.instant();
        String kind = embeddings ? EMBEDDING_VERSION : LLM_VERSION;
        for (NodeState n : directory.all()) {
            for (NodeState.ServedModel m : n.served()) {
                if (m.version().equals(kind) && m.name().equals(model) && n.canServe(m.digest(), now)) {
                    servedBy.merge(m.digest(), 1, Integer::sum);
                }
            }
        }
        return servedBy;
    }

    // ---- none, tee, sample streamed: failover before the first token ----------------------------------------

    /**
     * Relays one node's stream. Events are held back until the first token (or the receipt) arrives, so until
     * then a failure is invisible to the client and the caller tries the next node.
     *
     * @return true when the client got its answer (or, after its first token, an error event); false to fail over
     */
    private boolean relay(Context ctx, NodeState node, LlmCaller.Call call, List<Attempt> attempts,
            Function<LlmCaller.LlmAnswer, PolicyEngine.Outcome<LlmCaller.LlmAnswer>> settle) throws InterruptedException {
        long started = System.nanoTime();
        node.inflight.incrementAndGet();
        try {
            HttpResponse<InputStream> resp;
            try {
                resp = caller.open(node, call, requestTimeout);
            } catch (IOException e) {
                return failedBeforeFirstToken(node, LlmCaller.failure(node, e, started), attempts);
            }
            if (resp.statusCode() != 200) {
                byte[] err;
                try (InputStream in = resp.body()) {
                    err = in.readAllBytes();
                } catch (IOException e) {
                    err = new byte[0];
                }
                NodeResult.Failed<LlmCaller.LlmAnswer> f = LlmCaller.httpFailure(node, resp.statusCode(), err,
                        resp.headers().firstValue("Content-Type").orElse("application/json"), started);
                if (f.clientFault()) {
                    attempts.add(f.attempt());
                    throw new PolicyEngine.Rejected(f, attempts);
                }
                if (f.engineDown()) node.engineDown(call.model());
                return failedBeforeFirstToken(node, f, attempts);
            }
            return new StreamRelay(ctx, this, node, call, attempts, settle, resp, started).run();
        } finally {
            node.inflight.decrementAndGet();
        }
    }

    private static boolean failedBeforeFirstToken(NodeState node, NodeResult.Failed<?> f, List<Attempt> attempts) {
        attempts.add(f.attempt());
        node.recordFailure(f.attempt().outcome().equals("timeout") ? f.attempt().ms() : 0);
        LOG.info("node {} failed before the first token ({}: {}); trying the next", node.address, f.attempt().outcome(),
                f.attempt().detail());
        return false;
    }

    /** One stream from one node to the client. */
    private static final class StreamRelay {
        private final Context ctx;
        private final OpenAiProxy proxy;
        private final NodeState node;
        private final LlmCaller.Call call;
        private final List<Attempt> attempts;
        private final Function<LlmCaller.LlmAnswer, PolicyEngine.Outcome<LlmCaller.LlmAnswer>> settle;
        private final HttpResponse<InputStream> resp;
        private final long started;
        /** Set once the stream is over: the first-token watchdog then leaves it alone. */
        private final AtomicBoolean settled = new AtomicBoolean();
        private final AtomicBoolean timedOut = new AtomicBoolean();
        private final List<String> held = new ArrayList<>();
        private final List<JsonNode> chunks = new ArrayList<>();
        private ServletOutputStream out;
        /** The response head was sent: from then on the client sees this node's answer and failover is over. */
        private boolean committed;
        private int tokens;

        StreamRelay(Context ctx, OpenAiProxy proxy, NodeState node, LlmCaller.Call call, List<Attempt> attempts,
                Function<LlmCaller.LlmAnswer, PolicyEngine.Outcome<LlmCaller.LlmAnswer>> settle, HttpResponse<InputStream> resp,
                long started) {
            this.ctx = ctx;
            this.proxy = proxy;
            this.node = node;
            this.call = call;
            this.attempts = attempts;
            this.settle = settle;
            this.resp = resp;
            this.started = started;
        }

        boolean run() {
            InputStream body = resp.body();
            long timeoutMs = proxy.requestTimeout.toMillis();
            // A node that accepted the stream but sends no token is as good as down: close it so the read fails.
            CompletableFuture.delayedExecutor(timeoutMs, TimeUnit.MILLISECONDS).execute(() -> {
                if (!settled.get()) {
                    timedOut.set(true);
                    closeQuietly(body);
                }
            });
            boolean receiptSent = false;
            boolean failureRecorded = false;
            boolean errorSent = false;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: ")) continue; // blank separators: events are re-framed by send
                    String data = line.substring(6);
                    if (data.equals("[DONE]")) break;
                    JsonNode chunk = JSON.readTree(data);
                    if (chunk.has("error")) {
                        Attempt a = new Attempt(node.address, node.url(), "stream-error", LlmCaller.ms(started),
                                chunk.at("/error/message").asText());
                        if (!committed) return failedBeforeFirstToken(node, failed(a), attempts);
                        attempts.add(a);
                        node.recordFailure(0);
                        send(data); // the node's own error event, after part of the answer: nothing is paid
                        failureRecorded = errorSent = true;
                        continue;
                    }
                    chunks.add(chunk);
                    if (chunk.has("verity")) {
                        ObjectNode whole = ChatDigests.answerFromChunks(chunks, call.chat());
                        Optional<String> bad = proxy.caller.check(node, call, chunk, whole);
                        String outcome = "invalid-receipt";
                        if (bad.isEmpty()) {
                            SignedReceipt receipt = LlmCaller.accepted(call, chunk);
                            bad = LlmCaller.substitution(call, receipt);
                            outcome = Attempt.SUBSTITUTION;
                            if (bad.isPresent()) proxy.caller.caught(node, call, receipt);
                        }
                        if (bad.isPresent()) {
                            Attempt a = new Attempt(node.address, node.url(), outcome, LlmCaller.ms(started), bad.get());
                            LOG.warn("node {} streamed {} with a receipt that fails: {}", node.address, call.path(), bad.get());
                            if (!committed) return failedBeforeFirstToken(node, failed(a), attempts);
                            attempts.add(a);
                            node.recordFailure(0);
                            send(event(call.path(), problem(502, outcome.equals(Attempt.SUBSTITUTION) ? outcome : "no-valid-answer",
                                    "the node's answer failed verification: " + bad.get() + "; nothing was charged", null,
                                    outcome.replace('-', '_'), attempts)));
                            failureRecorded = errorSent = true;
                            continue;
                        }
                        commit();
                        Attempt ok = LlmCaller.ok(node, started);
                        attempts.add(ok);
                        node.recordSuccess(ok.ms());
                        LlmCaller.LlmAnswer a = new LlmCaller.LlmAnswer(node, ReceiptJson.read(chunk.at("/verity/receipt"), ""),
                                (ObjectNode) chunk, List.of(), resp.headers().firstValue("Verity-Request-Digest"), ok);
                        completeVerity(settle.apply(a));
                        send(JSON.writeValueAsString(chunk));
                        receiptSent = true;
                        continue;
                    }
                    if (LlmCaller.isToken(chunk, call.chat())) {
                        tokens++;
                        commit();
                    }
                    if (committed) send(data);
                    else held.add(data);
                }
            } catch (IOException e) {
                NodeResult.Failed<?> f = timedOut.get()
                        ? failed(new Attempt(node.address, node.url(), "timeout", LlmCaller.ms(started),
                                "no first token within " + timeoutMs + " ms"))
                        : LlmCaller.failure(node, e, started);
                if (!committed) return failedBeforeFirstToken(node, f, attempts);
                attempts.add(f.attempt());
                node.recordFailure(0);
                failureRecorded = true;
            } catch (ClientGone gone) {
                LOG.info("client left a {} stream from node {}: {}", call.path(), node.address, gone.getMessage());
                closeQuietly(body);
                return true;
            } finally {
                settled.set(true); // stops the first-token watchdog
            }
            if (!committed) {
                // Neither a token nor a receipt: nothing reached the client, another node can still answer.
                return failedBeforeFirstToken(node, failed(new Attempt(node.address, node.url(), "io-error",
                        LlmCaller.ms(started), "the stream ended before its first token")), attempts);
            }
            try {
                if (!receiptSent) {
                    String why = "the node's stream broke after " + tokens + " token(s), before its receipt: the answer is "
                            + "incomplete and nothing was charged";
                    if (!failureRecorded) {
                        attempts.add(new Attempt(node.address, node.url(), "io-error", LlmCaller.ms(started), why));
                        node.recordFailure(0);
                    }
                    if (!errorSent) {
                        LOG.warn("node {}: {}", node.address, why);
                        send(event(call.path(), problem(502, "stream-broken", why, null,
                                "stream_broken", attempts)));
                    }
                }
                send("[DONE]");
            } catch (ClientGone gone) {
                LOG.info("client left a {} stream before its end", call.path());
            }
            return true;
        }

        private NodeResult.Failed<?> failed(Attempt a) {
            return NodeResult.Failed.of(a);
        }

        /** Sends the response head and the events held back so far: from now on the client sees this node's answer. */
        private void commit() {
            if (committed) return;
            committed = true;
            settled.set(true);
            var res = ctx.res();
            res.setStatus(200);
            res.setContentType("text/event-stream");
            res.setCharacterEncoding("utf-8");
            res.setHeader("Cache-Control", "no-cache");
            resp.headers().firstValue("Verity-Request-Digest").ifPresent(v -> res.setHeader("Verity-Request-Digest", v));
            res.setHeader(REQUEST_ID_HEADER, call.requestId().toHex());
            try {
                out = res.getOutputStream();
            } catch (IOException e) {
                throw new ClientGone(e);
            }
            for (String h : held) send(h);
            held.clear();
        }

        private void send(String data) {
            try {
                out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throw new ClientGone(e);
            }
        }
    }

    /** Writing to the client failed: it hung up. */
    private static final class ClientGone extends RuntimeException {
        ClientGone(IOException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    // ---- redundant:k streamed ----------------------------------------------------------------------------

    /** The winner's own chunks, so the transcript verifies as if streamed from it; the last is the completed receipt chunk. */
    private static void replay(Context ctx, LlmCaller.Call call, LlmCaller.LlmAnswer primary) throws IOException {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("utf-8");
        res.setHeader("Cache-Control", "no-cache");
        primary.requestDigestHeader().ifPresent(v -> res.setHeader("Verity-Request-Digest", v));
        res.setHeader(REQUEST_ID_HEADER, call.requestId().toHex());
        ServletOutputStream out = res.getOutputStream();
        List<String> events = primary.events();
        for (int i = 0; i < events.size() - 1; i++) out.write(("data: " + events.get(i) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.write(("data: " + JSON.writeValueAsString(primary.verityHolder()) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // ---- the answer ------------------------------------------------------------------------------------------

    /**
     * Completes the primary's {@code verity} object: {@code verdict}, {@code payment} (the primary's), with several
     * answers {@code receipts} and {@code payments}, and {@code attempts}.
     */
    private static void completeVerity(PolicyEngine.Outcome<LlmCaller.LlmAnswer> o) {
        ObjectNode verity = (ObjectNode) o.primary().verityHolder().get("verity");
        verity.set("verdict", verdict(o.verdict()));
        Optional<Payment> own = o.primaryPayment();
        if (own.isPresent()) verity.set("payment", own.get().toJson());
        else verity.putNull("payment");
        if (o.supporting().size() > 1) {
            ArrayNode receipts = verity.putArray("receipts");
            for (LlmCaller.LlmAnswer a : o.supporting()) receipts.add(ReceiptJson.write(a.receipt()));
            ArrayNode payments = verity.putArray("payments");
            for (Payment p : o.payments()) payments.add(p.toJson());
        }
        verity.set("attempts", NodeAttempts.json(o.attempts()));
    }

    private static ObjectNode verdict(PolicyEngine.Decision<LlmCaller.LlmAnswer> v) {
        ObjectNode verdict = JSON.createObjectNode().put("status", v.status().wireName()).put("asked", v.asked())
                .put("agreeing", v.agreeing()).put("comparison", v.comparison())
                .put("checked", "signature, signer, request id, model, request and response digests, served model");
        if (v.status() == AnswerVerdict.Status.SAMPLED) verdict.put("audit", v.audit().wireName());
        if (v.status() == AnswerVerdict.Status.AGREED || v.status() == AnswerVerdict.Status.MAJORITY) {
            ArrayNode ds = verdict.putArray("dissent");
            for (LlmCaller.LlmAnswer d : v.dissent()) {
                ds.addObject().put("node", d.node().address.toString()).put("receiptId", d.receipt().id().toHex())
                        .put("responseDigest", d.responseDigest().toHex());
            }
        }
        return verdict;
    }

    /** A non-streamed answer with the node's receipt headers, rebuilt from the receipt the gateway checked. */
    private static void answer(Context ctx, LlmCaller.LlmAnswer a) throws IOException {
        SignedReceipt receipt = a.receipt();
        ctx.header("Verity-Receipt-Id", receipt.id().toHex());
        ctx.header("Verity-Node", receipt.receipt().node().toString());
        ctx.header("Verity-Request-Digest", receipt.receipt().inputsDigest().toHex());
        ctx.header("Verity-Response-Digest", receipt.receipt().outputsDigest().toHex());
        ctx.header("Verity-Receipt", Base64.getUrlEncoder().withoutPadding().encodeToString(
                JSON.writeValueAsBytes(ReceiptJson.write(receipt))));
        ctx.header(REQUEST_ID_HEADER, receipt.receipt().requestId().toHex());
        ctx.status(200).contentType("application/json").result(JSON.writeValueAsBytes(a.verityHolder()));
    }

    /** A problem as a stream's error event, OpenAI's error object first. */
    private static String event(String path, Problem p) {
        return new String(p.withInstance(path).toBytes(true), StandardCharsets.UTF_8);
    }
}
