package io.verity.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.verity.llm.ChatDigests;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.SignedReceipt;
import jakarta.servlet.ServletOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible routes, {@code POST /v1/chat/completions} and {@code /v1/completions}, under the
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
 * Redundant and sampled requests must be reproducible (temperature 0, or a seed), else 400.
 */
final class OpenAiProxy {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiProxy.class);
    private static final ObjectMapper JSON = LlmCaller.JSON;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** {@link NodeState.ServedModel#version()} of the language models a node lists. */
    static final String LLM_VERSION = "llm";
    static final String REQUEST_ID_HEADER = "Verity-Request-Id";

    private OpenAiProxy() {}

    static void register(JavalinConfig cfg, Gateway gateway) {
        cfg.routes.post("/v1/chat/completions", ctx -> forward(ctx, gateway, "/v1/chat/completions"));
        cfg.routes.post("/v1/completions", ctx -> forward(ctx, gateway, "/v1/completions"));
    }

    /** OpenAI's model list: each language model a healthy node serves, once, with the nodes serving it. */
    static void addModelList(ObjectNode body, Gateway gateway) {
        body.put("object", "list");
        var data = body.putArray("data");
        Map<String, ObjectNode> byName = new java.util.TreeMap<>();
        Instant now = Instant.now();
        for (NodeState n : gateway.nodes()) {
            for (NodeState.ServedModel m : n.served()) {
                if (!m.version().equals(LLM_VERSION) || !n.canServe(m.digest(), now)) continue;
                ObjectNode o = byName.computeIfAbsent(m.name(), name -> {
                    ObjectNode x = JSON.createObjectNode().put("id", name).put("object", "model").put("created", 0)
                            .put("owned_by", "verity").put("verity_model_digest", m.digest().toHex()).put("verity_kind", "llm");
                    x.putArray("verity_nodes");
                    return x;
                });
                ((ArrayNode) o.get("verity_nodes")).add(n.address.toString());
            }
        }
        byName.values().forEach(data::add);
    }

    /** An error for the client, OpenAI- and problem-shaped. */
    private static final class LlmProblem extends RuntimeException {
        final int status;
        final String slug;
        final String param;
        final String code;
        final List<Attempt> attempts;

        LlmProblem(int status, String slug, String message, String param, String code, List<Attempt> attempts) {
            super(message, null, false, false);
            this.status = status;
            this.slug = slug;
            this.param = param;
            this.code = code;
            this.attempts = List.copyOf(attempts);
        }

        static LlmProblem invalid(String param, String message) {
            return new LlmProblem(400, "invalid-request", message, param, "invalid_request", List.of());
        }
    }

    /**
     * The node refused the request itself (its problem says {@code "retryable": false}, or a 400/413/415/422 from a
     * node that does not say): every node would, so it goes back to the client as the node said it, with the
     * gateway's {@code attempts} added, and no other node is asked.
     */
    private static final class Relay extends RuntimeException {
        final LlmCaller.Failed failure;
        final List<Attempt> attempts;

        Relay(LlmCaller.Failed failure, List<Attempt> attempts) {
            super(failure.attempt().detail(), null, false, false);
            this.failure = failure;
            this.attempts = List.copyOf(attempts);
        }
    }

    private static void forward(Context ctx, Gateway gateway, String path) throws Exception {
        try {
            route(ctx, gateway, path);
        } catch (LlmProblem p) {
            error(ctx, p);
        } catch (Relay r) {
            byte[] body = r.failure.body();
            try {
                if (JSON.readTree(body) instanceof ObjectNode o) {
                    o.set("attempts", attempts(r.attempts));
                    body = JSON.writeValueAsBytes(o);
                }
            } catch (IOException notJson) {
                // relayed as it came
            }
            ctx.status(r.failure.status()).contentType(r.failure.contentType()).result(body);
        } catch (ProblemException e) {
            Problem p = e.problem();
            String slug = p.type().substring(p.type().lastIndexOf(':') + 1);
            String param = p.errors().isEmpty() ? null : p.errors().get(0).pointer().replaceFirst("^/", "");
            error(ctx, new LlmProblem(p.status(), slug, p.detail(), param, slug.replace('-', '_'), p.attempts()));
        }
    }

    private static void route(Context ctx, Gateway gateway, String path) throws Exception {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).matches("application/json\\s*(;.*)?")) {
            throw new LlmProblem(415, "unsupported-media-type", "Content-Type must be application/json, got "
                    + (type == null ? "none" : type), null, "unsupported_media_type", List.of());
        }
        JsonNode parsed;
        try {
            parsed = StrictJson.standard().read(ctx.bodyAsBytes());
        } catch (InvalidFieldException e) {
            String pointer = e.errors().get(0).pointer();
            throw new LlmProblem(400, "malformed-json", "request body is not valid JSON: " + e.errors().get(0).detail(),
                    pointer.isEmpty() ? null : pointer.substring(1).replace('/', '.'), "malformed_json", List.of());
        }
        if (!(parsed instanceof ObjectNode body) || !body.path("model").isTextual()) {
            throw LlmProblem.invalid("model", "model is required: the name of a language model");
        }
        // The gateway's own member is not forwarded: the nodes digest exactly the request they run.
        JsonNode verity = body.remove("verity");
        Policy policy = policy(ctx, gateway, verity);
        Keccak256 requestId = requestId(ctx);
        if (!(policy instanceof Policy.None || policy instanceof Policy.Tee) && !reproducible(body)) {
            throw LlmProblem.invalid("seed", policy.wireName() + " compares the answers of several nodes token for token, so "
                    + "every node must sample alike: set temperature 0 (greedy) or a seed");
        }
        String model = body.get("model").asText();
        Keccak256 digest = pinned(gateway, model);
        byte[] bytes = verity == null ? ctx.bodyAsBytes() : JSON.writeValueAsBytes(body);
        LlmCaller.Call call = new LlmCaller.Call(path, body, bytes, digest, requestId, body.path("stream").asBoolean(false));
        Instant now = Instant.now();
        // A client whose deposit cannot pay the answer is told so (402, Payer.DepositShort) before any node works
        // for it; the hold lasts until the answer, streamed or not, is complete (issue 13, item 5).
        try (Payer.Hold hold = gateway.payer().isPresent() ? gateway.payer().get().hold(cost(gateway, body, digest, policy)) : null) {
            switch (policy) {
                case Policy.None n -> single(ctx, gateway, call, gateway.nodes(), a -> singleVerdict());
                case Policy.Tee t -> {
                    List<NodeState> admitted = gateway.tee().admitted(gateway.nodes(), now);
                    if (admitted.isEmpty()) throw gateway.tee().noneAdmitted(gateway.nodes());
                    single(ctx, gateway, call, admitted, a -> singleVerdict());
                }
                case Policy.Sample s -> single(ctx, gateway, call, gateway.nodes(), a -> sampledVerdict(gateway, call, s, a));
                case Policy.Redundant r -> redundant(ctx, gateway, call, r);
            }
        }
    }

    /**
     * The most the answer may cost as {@link #pay} pays it: the dearest node serving the model, per token, times
     * the tokens its usage may count (the prompt, estimated at four bytes of JSON a token, plus max_tokens for each
     * of n choices), times the answers the policy pays for. Values the node would refuse count as their default or
     * limit: the node's 400 names them, not a 402.
     */
    static BigInteger cost(Gateway gateway, ObjectNode body, Keccak256 model, Policy policy) {
        BigInteger dearest = BigInteger.ZERO;
        Instant now = Instant.now();
        for (NodeState n : gateway.nodes()) if (n.canServe(model, now)) dearest = dearest.max(n.price());
        int maxTokens = io.verity.llm.Sampling.DEFAULT_MAX_TOKENS;
        for (String f : new String[] {"max_tokens", "max_completion_tokens"}) {
            if (body.path(f).canConvertToInt()) maxTokens = Math.clamp(body.get(f).asInt(), 1, io.verity.llm.Sampling.MAX_TOKENS_LIMIT);
        }
        int choices = body.path("n").canConvertToInt() ? Math.clamp(body.get("n").asInt(), 1, io.verity.llm.Sampling.MAX_CHOICES) : 1;
        JsonNode prompt = body.has("messages") ? body.get("messages") : body.path("prompt");
        long tokens = (long) maxTokens * choices + prompt.toString().length() / 4 + 1;
        return dearest.multiply(BigInteger.valueOf(tokens)).multiply(BigInteger.valueOf(Dispatcher.answersPaid(policy)));
    }

    private static Policy policy(Context ctx, Gateway gateway, JsonNode verity) {
        String header = ctx.header(GatewayApi.POLICY_HEADER);
        if (verity != null && !verity.isNull()) {
            if (!verity.isObject()) throw LlmProblem.invalid("verity", "verity must be an object {\"policy\": …}");
            var names = verity.fieldNames();
            while (names.hasNext()) {
                String f = names.next();
                if (!f.equals("policy")) throw LlmProblem.invalid("verity." + f, "unknown field verity." + f + ", expected policy");
            }
            JsonNode pol = verity.get("policy");
            if (pol != null && !pol.isNull()) {
                try {
                    if (!pol.isTextual()) throw new IllegalArgumentException("must be a string: none, redundant:k, sample:p or tee");
                    return Policy.parse(pol.asText());
                } catch (IllegalArgumentException e) {
                    throw LlmProblem.invalid("verity.policy", "verity.policy: " + e.getMessage());
                }
            }
        }
        if (header == null) return gateway.config().defaultPolicy();
        try {
            return Policy.parse(header);
        } catch (IllegalArgumentException e) {
            throw new LlmProblem(400, "invalid-request", "header " + GatewayApi.POLICY_HEADER + ": " + e.getMessage(), null,
                    "invalid_request", List.of());
        }
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
            throw new LlmProblem(400, "invalid-request", "header " + REQUEST_ID_HEADER + " must be 0x followed by 64 hex digits "
                    + "(bytes32), got '" + rid + "'", null, "invalid_request", List.of());
        }
    }

    /** Greedy, or seeded: the node's default temperature is 1 and, without a seed, each node draws its own. */
    static boolean reproducible(JsonNode body) {
        JsonNode t = body.get("temperature");
        return (t != null && t.isNumber() && t.asDouble() == 0) || (body.hasNonNull("seed"));
    }

    /** The digest most healthy nodes serve under this name, so every node of one request runs the same bytes. */
    private static Keccak256 pinned(Gateway gateway, String model) {
        Map<Keccak256, Integer> servedBy = new LinkedHashMap<>();
        Instant now = Instant.now();
        for (NodeState n : gateway.nodes()) {
            for (NodeState.ServedModel m : n.served()) {
                if (m.version().equals(LLM_VERSION) && m.name().equals(model) && n.canServe(m.digest(), now)) {
                    servedBy.merge(m.digest(), 1, Integer::sum);
                }
            }
        }
        return servedBy.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElseThrow(() -> new LlmProblem(404, "unknown-model", "no healthy node serves language model '" + model
                        + "'; GET /v1/models lists what the network serves", "model", "model_not_found", List.of()));
    }

    // ---- none, tee, sample: one node, failover before the first token ---------------------------------------

    private static void single(Context ctx, Gateway gateway, LlmCaller.Call call, Collection<NodeState> pool,
            Function<LlmCaller.Answered, ObjectNode> verdict) throws Exception {
        List<Attempt> attempts = new ArrayList<>();
        Set<io.verity.protocol.EvmAddress> tried = new HashSet<>();
        int max = gateway.config().maxAttempts();
        while (attempts.size() < max) {
            List<NodeState> ranked = gateway.config().routing().rank(pool, call.model(), tried, Instant.now());
            if (ranked.isEmpty()) break;
            NodeState node = ranked.get(0);
            tried.add(node.address);
            if (call.stream()) {
                if (relay(ctx, gateway, node, call, attempts, verdict)) return;
                continue;
            }
            LlmCaller.Result r = gateway.llmCaller().fetch(node, call);
            attempts.add(r.attempt());
            switch (r) {
                case LlmCaller.Answered a -> {
                    completeVerity(gateway, a, verdict.apply(a), List.of(a), attempts);
                    answer(ctx, a);
                    return;
                }
                case LlmCaller.Failed f -> {
                    if (f.clientFault()) throw new Relay(f, attempts);
                    LOG.info("node {} failed on {} ({}: {}); trying the next", node.address, call.path(), f.attempt().outcome(),
                            f.attempt().detail());
                }
            }
        }
        throw noAnswer(call, attempts);
    }

    private static LlmProblem noAnswer(LlmCaller.Call call, List<Attempt> attempts) {
        if (attempts.isEmpty()) {
            return new LlmProblem(404, "unknown-model", "no healthy, unquarantined node serves model " + call.model() + " now",
                    "model", "model_not_found", List.of());
        }
        return new LlmProblem(502, "no-valid-answer", "no node produced a valid answer after " + attempts.size()
                + " attempt(s); nothing was charged", null, "no_valid_answer", attempts);
    }

    /**
     * Relays one node's stream. Events are held back until the first token (or the receipt) arrives, so until
     * then a failure is invisible to the client and the caller tries the next node.
     *
     * @return true when the client got its answer (or, after its first token, an error event); false to fail over
     */
    private static boolean relay(Context ctx, Gateway gateway, NodeState node, LlmCaller.Call call, List<Attempt> attempts,
            Function<LlmCaller.Answered, ObjectNode> verdict) throws InterruptedException {
        long started = System.nanoTime();
        node.inflight.incrementAndGet();
        try {
            HttpResponse<InputStream> resp;
            try {
                resp = gateway.llmCaller().open(node, call, gateway.config().requestTimeout());
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
                LlmCaller.Failed f = LlmCaller.httpFailure(node, resp.statusCode(), err,
                        resp.headers().firstValue("Content-Type").orElse("application/json"), started);
                if (f.clientFault()) {
                    attempts.add(f.attempt());
                    throw new Relay(f, attempts);
                }
                if (f.engineDown()) node.engineDown(call.model());
                return failedBeforeFirstToken(node, f, attempts);
            }
            return new StreamRelay(ctx, gateway, node, call, attempts, verdict, resp, started).run();
        } finally {
            node.inflight.decrementAndGet();
        }
    }

    private static boolean failedBeforeFirstToken(NodeState node, LlmCaller.Failed f, List<Attempt> attempts) {
        attempts.add(f.attempt());
        node.recordFailure(f.attempt().outcome().equals("timeout") ? f.attempt().ms() : 0);
        LOG.info("node {} failed before the first token ({}: {}); trying the next", node.address, f.attempt().outcome(),
                f.attempt().detail());
        return false;
    }

    /** One stream from one node to the client. */
    private static final class StreamRelay {
        private final Context ctx;
        private final Gateway gateway;
        private final NodeState node;
        private final LlmCaller.Call call;
        private final List<Attempt> attempts;
        private final Function<LlmCaller.Answered, ObjectNode> verdict;
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

        StreamRelay(Context ctx, Gateway gateway, NodeState node, LlmCaller.Call call, List<Attempt> attempts,
                Function<LlmCaller.Answered, ObjectNode> verdict, HttpResponse<InputStream> resp, long started) {
            this.ctx = ctx;
            this.gateway = gateway;
            this.node = node;
            this.call = call;
            this.attempts = attempts;
            this.verdict = verdict;
            this.resp = resp;
            this.started = started;
        }

        boolean run() {
            InputStream body = resp.body();
            long timeoutMs = gateway.config().requestTimeout().toMillis();
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
                        Optional<String> bad = gateway.llmCaller().check(node, call, chunk, whole);
                        if (bad.isPresent()) {
                            Attempt a = new Attempt(node.address, node.url(), "invalid-receipt", LlmCaller.ms(started), bad.get());
                            LOG.warn("node {} streamed {} with a receipt that fails: {}", node.address, call.path(), bad.get());
                            if (!committed) return failedBeforeFirstToken(node, failed(a), attempts);
                            attempts.add(a);
                            node.recordFailure(0);
                            send(JSON.writeValueAsString(errorBody(call.path(), 502, "no-valid-answer", "server_error",
                                    "the node's answer failed verification: " + bad.get() + "; nothing was charged", null,
                                    "invalid_receipt", attempts)));
                            failureRecorded = errorSent = true;
                            continue;
                        }
                        commit();
                        Attempt ok = LlmCaller.ok(node, started);
                        attempts.add(ok);
                        node.recordSuccess(ok.ms());
                        LlmCaller.Answered a = new LlmCaller.Answered(node, ReceiptJson.read(chunk.at("/verity/receipt"), ""),
                                (ObjectNode) chunk, List.of(), resp.headers().firstValue("Verity-Request-Digest"), ok);
                        completeVerity(gateway, a, verdict.apply(a), List.of(a), attempts);
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
                LlmCaller.Failed f = timedOut.get()
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
                        send(JSON.writeValueAsString(errorBody(call.path(), 502, "stream-broken", "server_error", why, null,
                                "stream_broken", attempts)));
                    }
                }
                send("[DONE]");
            } catch (ClientGone | JsonProcessingException gone) {
                LOG.info("client left a {} stream before its end", call.path());
            }
            return true;
        }

        private LlmCaller.Failed failed(Attempt a) {
            return new LlmCaller.Failed(a, false, 0, new byte[0], "application/json");
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

    // ---- redundant:k ---------------------------------------------------------------------------------------

    private static void redundant(Context ctx, Gateway gateway, LlmCaller.Call call, Policy.Redundant policy) throws Exception {
        Routing routing = gateway.config().routing();
        List<NodeState> ranked = routing.rank(gateway.nodes(), call.model(), Set.of(), Instant.now());
        if (ranked.isEmpty()) throw noAnswer(call, List.of());
        if (ranked.size() < policy.k()) {
            throw new LlmProblem(503, "not-enough-nodes", policy.wireName() + " needs " + policy.k() + " nodes of distinct "
                    + "operators serving " + call.model() + "; " + ranked.size() + " available now", null, "not_enough_nodes",
                    List.of());
        }
        List<Attempt> attempts = new ArrayList<>();
        List<LlmCaller.Answered> answers = new ArrayList<>();
        Set<io.verity.protocol.EvmAddress> tried = new HashSet<>();
        LinkedBlockingQueue<LlmCaller.Result> done = new LinkedBlockingQueue<>();
        int pending = 0;
        for (int i = 0; i < policy.k(); i++) {
            launch(gateway, ranked.get(i), call, tried, done);
            pending++;
        }
        List<List<LlmCaller.Answered>> groups;
        while (true) {
            if (pending == 0) {
                groups = group(answers);
                List<LlmCaller.Answered> best = groups.isEmpty() ? List.of() : groups.get(0);
                boolean decided = best.size() >= policy.quorum() && (groups.size() < 2 || groups.get(1).size() < best.size());
                if (decided) break;
                // Too few answers (failures) or a split: one more node, of an operator not asked yet, breaks it.
                List<NodeState> more = routing.rank(gateway.nodes(), call.model(), tried, Instant.now());
                if (more.isEmpty() || attempts.size() >= gateway.config().maxAttempts() + policy.k()) {
                    if (answers.size() < policy.quorum() && groups.size() < 2) {
                        throw new LlmProblem(502, "no-valid-answer", "only " + answers.size() + " of " + policy.k()
                                + " nodes produced a valid answer; nothing was charged", null, "no_valid_answer", attempts);
                    }
                    for (List<LlmCaller.Answered> g : groups) {
                        for (LlmCaller.Answered a : g) {
                            gateway.dispatcher().unresolved(call.requestId(), call.model(), policy.wireName(), a.node(), a.receipt());
                        }
                    }
                    throw new LlmProblem(502, "no-majority", "answers split " + sizes(groups) + " and no further node can "
                            + "break the tie; nothing was charged", null, "no_majority", attempts);
                }
                launch(gateway, more.get(0), call, tried, done);
                pending++;
            }
            LlmCaller.Result r = done.take();
            pending--;
            attempts.add(r.attempt());
            switch (r) {
                case LlmCaller.Answered a -> answers.add(a);
                case LlmCaller.Failed f -> {
                    if (f.clientFault()) throw new Relay(f, attempts);
                }
            }
        }
        List<LlmCaller.Answered> winners = groups.get(0);
        List<LlmCaller.Answered> dissent = new ArrayList<>();
        for (int i = 1; i < groups.size(); i++) dissent.addAll(groups.get(i));
        List<SignedReceipt> majority = winners.stream().map(LlmCaller.Answered::receipt).toList();
        for (LlmCaller.Answered d : dissent) {
            gateway.dispatcher().accuse(call.requestId(), call.model(), policy.wireName(), EvidenceLog.Kind.MINORITY, d.node(),
                    d.receipt(), majority, () -> reask(gateway, d.node(), call.unstreamed()));
        }
        ObjectNode verdict = JSON.createObjectNode();
        verdict.put("status", dissent.isEmpty() ? "agreed" : "majority").put("asked", answers.size())
                .put("agreeing", winners.size()).put("comparison", "response-digest")
                .put("checked", "signature, signer, request id, model, request and response digests");
        ArrayNode ds = verdict.putArray("dissent");
        for (LlmCaller.Answered d : dissent) {
            ds.addObject().put("node", d.node().address.toString()).put("receiptId", d.receipt().id().toHex())
                    .put("responseDigest", d.responseDigest().toHex());
        }
        LlmCaller.Answered primary = winners.get(0);
        completeVerity(gateway, primary, verdict, winners, attempts);
        if (!call.stream()) {
            answer(ctx, primary);
            return;
        }
        // The winner's own chunks, so the transcript verifies as if streamed from it; the last is the completed receipt chunk.
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

    private static void launch(Gateway gateway, NodeState node, LlmCaller.Call call, Set<io.verity.protocol.EvmAddress> tried,
            LinkedBlockingQueue<LlmCaller.Result> done) {
        tried.add(node.address);
        gateway.dispatcher().background().execute(() -> {
            try {
                done.add(gateway.llmCaller().fetch(node, call));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.add(new LlmCaller.Failed(new Attempt(node.address, node.url(), "cancelled", 0, "interrupted"), false, 0,
                        new byte[0], "application/json"));
            } catch (RuntimeException e) {
                done.add(new LlmCaller.Failed(new Attempt(node.address, node.url(), "io-error", 0, String.valueOf(e.getMessage())),
                        false, 0, new byte[0], "application/json"));
            }
        });
    }

    /** Answers grouped by the response digest their receipts sign, largest group first (ties: answered first). */
    private static List<List<LlmCaller.Answered>> group(List<LlmCaller.Answered> answers) {
        Map<Keccak256, List<LlmCaller.Answered>> by = new LinkedHashMap<>();
        for (LlmCaller.Answered a : answers) by.computeIfAbsent(a.responseDigest(), d -> new ArrayList<>()).add(a);
        List<List<LlmCaller.Answered>> groups = new ArrayList<>(by.values());
        groups.sort((x, y) -> Integer.compare(y.size(), x.size()));
        return groups;
    }

    private static String sizes(List<List<LlmCaller.Answered>> groups) {
        StringBuilder sb = new StringBuilder();
        for (List<LlmCaller.Answered> g : groups) sb.append(sb.isEmpty() ? "" : "/").append(g.size());
        return sb.toString();
    }

    private static Optional<SignedReceipt> reask(Gateway gateway, NodeState node, LlmCaller.Call call) {
        try {
            return gateway.llmCaller().fetch(node, call) instanceof LlmCaller.Answered a ? Optional.of(a.receipt()) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    // ---- sample:p --------------------------------------------------------------------------------------------

    private static ObjectNode singleVerdict() {
        return JSON.createObjectNode().put("status", "single").put("asked", 1).put("agreeing", 1).put("comparison", "receipt")
                .put("checked", "signature, signer, request id, model, request and response digests");
    }

    /** Draws the audit and, when drawn, re-runs the request on another node in the background. */
    private static ObjectNode sampledVerdict(Gateway gateway, LlmCaller.Call call, Policy.Sample policy, LlmCaller.Answered a) {
        double p = gateway.dispatcher().auditProbability(policy, a.node());
        boolean audit = ThreadLocalRandom.current().nextDouble() < p;
        if (audit) gateway.dispatcher().background().execute(() -> audit(gateway, call.unstreamed(), policy, a));
        return singleVerdict().put("status", "sampled").put("audit", audit ? "scheduled" : "none");
    }

    private static void audit(Gateway gateway, LlmCaller.Call call, Policy.Sample policy, LlmCaller.Answered original) {
        try {
            Set<io.verity.protocol.EvmAddress> tried = new HashSet<>(Set.of(original.node().address));
            Optional<LlmCaller.Answered> check = firstValid(gateway, call, tried);
            if (check.isEmpty()) {
                LOG.info("audit of request {}: no other node answered", call.requestId());
                return;
            }
            if (check.get().responseDigest().equals(original.responseDigest())) {
                pay(gateway, List.of(check.get()));
                return;
            }
            Optional<LlmCaller.Answered> referee = firstValid(gateway, call, tried);
            if (referee.isEmpty()) {
                for (LlmCaller.Answered x : List.of(original, check.get())) {
                    gateway.dispatcher().unresolved(call.requestId(), call.model(), policy.wireName(), x.node(), x.receipt());
                }
                return;
            }
            LlmCaller.Answered c = check.get(), r = referee.get();
            if (c.responseDigest().equals(r.responseDigest())) {
                pay(gateway, List.of(c, r));
                gateway.dispatcher().accuse(call.requestId(), call.model(), policy.wireName(), EvidenceLog.Kind.AUDIT_MISMATCH,
                        original.node(), original.receipt(), List.of(c.receipt(), r.receipt()),
                        () -> reask(gateway, original.node(), call));
            } else if (original.responseDigest().equals(r.responseDigest())) {
                pay(gateway, List.of(r));
                gateway.dispatcher().accuse(call.requestId(), call.model(), policy.wireName(), EvidenceLog.Kind.AUDIT_MISMATCH,
                        c.node(), c.receipt(), List.of(original.receipt(), r.receipt()), () -> reask(gateway, c.node(), call));
            } else {
                LOG.warn("audit of request {}: three nodes gave three different answers", call.requestId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("audit of request {} failed", call.requestId(), e);
        }
    }

    private static Optional<LlmCaller.Answered> firstValid(Gateway gateway, LlmCaller.Call call,
            Set<io.verity.protocol.EvmAddress> tried) throws InterruptedException {
        for (int i = 0; i < gateway.config().maxAttempts(); i++) {
            List<NodeState> ranked = gateway.config().routing().rank(gateway.nodes(), call.model(), tried, Instant.now());
            if (ranked.isEmpty()) return Optional.empty();
            tried.add(ranked.get(0).address);
            if (gateway.llmCaller().fetch(ranked.get(0), call) instanceof LlmCaller.Answered a) return Optional.of(a);
        }
        return Optional.empty();
    }

    // ---- the answer ------------------------------------------------------------------------------------------

    /**
     * Pays every used answer its receipt's price and completes the primary's {@code verity} object:
     * {@code verdict}, {@code payment} (the primary's), with several answers {@code receipts} and
     * {@code payments}, and {@code attempts}.
     */
    private static void completeVerity(Gateway gateway, LlmCaller.Answered primary, ObjectNode verdict,
            List<LlmCaller.Answered> used, List<Attempt> attempts) {
        ObjectNode verity = (ObjectNode) primary.verityHolder().get("verity");
        verity.set("verdict", verdict);
        List<Payer.Payment> paid = pay(gateway, used);
        Optional<Payer.Payment> own = paid.stream().filter(p -> p.node().equals(primary.node().address)).findFirst();
        if (own.isPresent()) verity.set("payment", payment(own.get()));
        else verity.putNull("payment");
        if (used.size() > 1) {
            ArrayNode receipts = verity.putArray("receipts");
            for (LlmCaller.Answered a : used) receipts.add(ReceiptJson.write(a.receipt()));
            ArrayNode payments = verity.putArray("payments");
            for (Payer.Payment p : paid) payments.add(payment(p));
        }
        verity.set("attempts", attempts(attempts));
    }

    /**
     * Pays each used answer the lower of the price it signed and its registered price per token times the
     * tokens its signed usage counts: a node cannot charge more by signing a higher price.
     */
    private static List<Payer.Payment> pay(Gateway gateway, List<LlmCaller.Answered> used) {
        if (gateway.payer().isEmpty()) return List.of();
        List<Payer.Payment> out = new ArrayList<>();
        for (LlmCaller.Answered a : used) {
            long tokens = a.verityHolder().at("/usage/total_tokens").asLong(0);
            BigInteger price = a.receipt().receipt().price().min(a.node().price().multiply(BigInteger.valueOf(tokens)));
            if (price.signum() > 0) out.add(gateway.payer().get().pay(a.node(), price));
        }
        return out;
    }

    private static ObjectNode payment(Payer.Payment p) {
        return JSON.createObjectNode().put("node", p.node().toString()).put("amount", p.amount().toString())
                .put("cumulativeAmount", p.cumulativeAmount().toString());
    }

    private static ArrayNode attempts(List<Attempt> attempts) {
        ArrayNode a = JSON.createArrayNode();
        for (Attempt t : attempts) {
            a.addObject().put("node", t.node().toString()).put("url", t.url().toString()).put("outcome", t.outcome())
                    .put("ms", Math.round(t.ms() * 10) / 10.0).put("detail", t.detail());
        }
        return a;
    }

    /** A non-streamed answer with the node's receipt headers, rebuilt from the receipt the gateway checked. */
    private static void answer(Context ctx, LlmCaller.Answered a) throws IOException {
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

    private static void error(Context ctx, LlmProblem p) {
        String type = p.status < 500 ? "invalid_request_error" : "server_error";
        try {
            ctx.status(p.status).contentType(Problem.MEDIA_TYPE).result(JSON.writeValueAsBytes(errorBody(ctx.path(), p.status,
                    p.slug, type, p.getMessage(), p.param, p.code, p.attempts)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** OpenAI's error object and an RFC 9457 problem in one body, as the node sends them; {@code attempts} behind a 502. */
    private static ObjectNode errorBody(String path, int status, String slug, String type, String message, String param,
            String code, List<Attempt> attempts) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
        body.put("type", "urn:verity:problem:" + slug).put("title", message).put("status", status).put("detail", message)
                .put("instance", path);
        io.verity.protocol.wire.FailureSource source = io.verity.protocol.wire.FailureSource.ofStatus(status);
        body.put(io.verity.protocol.wire.FailureSource.MEMBER, source.wireName())
                .put(io.verity.protocol.wire.FailureSource.RETRYABLE_MEMBER, source.retryElsewhere());
        if (param != null) body.putArray("errors").addObject().put("pointer", "/" + param.replace('.', '/')).put("detail", message);
        if (!attempts.isEmpty()) body.set("attempts", attempts(attempts));
        return body;
    }
}
