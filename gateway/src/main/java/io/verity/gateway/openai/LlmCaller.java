package io.verity.gateway.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.client.NodeApiClient;
import io.verity.client.UnreachableException;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.pay.PayerHeaders;
import io.verity.gateway.policy.Agreement;
import io.verity.gateway.policy.Answer;
import io.verity.gateway.policy.NodeCall;
import io.verity.gateway.policy.NodeResult;
import io.verity.gateway.policy.PolicyEngine;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeDirectory;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.tensor.Tolerance;
import io.verity.llm.ChatDigests;
import io.verity.llm.EmbeddingDigests;
import io.verity.llm.EmbeddingDisputeEvidence;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.AskedModel;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Calls one node's OpenAI route ({@code /v1/chat/completions}, {@code /v1/completions} or {@code /v1/embeddings}) and checks the
 * answer's receipt as a stranger would before anyone relies on it. {@link #fetch} waits for the whole answer
 * (streamed or not: redundant answers and audits are compared whole); {@link OpenAiProxy} relays single
 * streams itself, token by token, with {@link #open}, {@link #isToken} and {@link #check}.
 */
public final class LlmCaller implements NodeCall<LlmCaller.Call, LlmCaller.LlmAnswer> {
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** A whole answer may take long on a real model; a stream's first token has the gateway's request timeout. */
    static final Duration WHOLE_ANSWER_TIMEOUT = Duration.ofMinutes(5);

    /**
     * One language-model request as every node gets it: the same body and requestId, the model pinned by digest.
     *
     * @param body the client's body without the gateway's {@code verity} member (what the node digests)
     * @param asked the model the client asked for, which a v2 receipt must say served it
     * @param lastReceipt the id of the last valid receipt a node signed for this request (then refused, e.g. for a
     *     substitution, or another node's of the same request), sent to the next node as
     *     {@code Verity-Prev-Receipt} so its v2 receipt names the one it follows
     * @param policy the request's policy (wire name), which evidence of a substitution names
     */
    record Call(String path, JsonNode body, byte[] bytes, Keccak256 model, Keccak256 requestId, boolean stream, AskedModel asked,
            AtomicReference<Keccak256> lastReceipt, String policy) {
        /** Asked by the body's {@code model}, no substitution allowed. */
        Call(String path, JsonNode body, byte[] bytes, Keccak256 model, Keccak256 requestId, boolean stream) {
            this(path, body, bytes, model, requestId, stream, AskedModel.named(body.path("model").asText()), "none");
        }

        Call(String path, JsonNode body, byte[] bytes, Keccak256 model, Keccak256 requestId, boolean stream, AskedModel asked,
                String policy) {
            this(path, body, bytes, model, requestId, stream, asked, new AtomicReference<>(), policy);
        }

        boolean chat() {
            return path.equals("/v1/chat/completions");
        }

        /** The same request, not streamed: the same digests (the node leaves {@code stream} out of them). */
        Call unstreamed() {
            if (!stream) return this;
            ObjectNode b = body.deepCopy();
            b.remove("stream");
            b.remove("stream_options");
            try {
                return new Call(path, b, JSON.writeValueAsBytes(b), model, requestId, false, asked, lastReceipt, policy);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * An answer whose receipt passed {@link #check}.
     *
     * @param verityHolder the JSON whose {@code verity} member holds the receipt: the answer itself, or a stream's
     *     last chunk
     * @param events each {@code data:} payload of the stream as the node sent it, {@code [DONE]} excluded; empty
     *     when not streamed
     * @param requestDigestHeader the node's {@code Verity-Request-Digest} header, if it sent one
     */
    record LlmAnswer(NodeState node, SignedReceipt receipt, ObjectNode verityHolder, List<String> events,
            Optional<String> requestDigestHeader, Attempt attempt) implements Answer {
        Keccak256 responseDigest() {
            return receipt.receipt().outputsDigest();
        }

        /** The tokens its signed usage counts: what its registered price is per. */
        long tokens() {
            return verityHolder.at("/usage/total_tokens").asLong(0);
        }
    }

    /** Answers agree when their receipts sign the same response digest (message and token counts). */
    static final Agreement<LlmAnswer> AGREEMENT = Agreement.byKey(LlmAnswer::responseDigest, "receipt", "response-digest");

    /** Embeddings agree bit for bit between deterministic nodes, else within the model's tolerance. */
    static Agreement<LlmAnswer> embeddingAgreement(Tolerance tolerance) {
        return tolerance.agreement(LlmAnswer::receipt, a -> EmbeddingDigests.outputs(a.verityHolder()));
    }

    private final HttpClient http;
    private final Eip712Domain domain;

    private final PayerHeaders payer; // named and proven to nodes, which serve it only within its credit
    private final Executor calls;
    private final EvidenceLog evidence; // substitutions caught, for /v1/evidence and the explorer's outcomes
    private final java.time.Clock clock;

    /** @param calls where {@link #call} waits for a whole answer */
    LlmCaller(HttpClient http, Eip712Domain domain, PayerHeaders payer, Executor calls, EvidenceLog evidence, java.time.Clock clock) {
        this.evidence = evidence;
        this.clock = clock;
        this.payer = payer;
        this.calls = calls;
        this.http = http;
        this.domain = domain;
    }

    private volatile BiConsumer<SignedReceipt, EmbeddingDisputeEvidence> onEmbeddings = (receipt, evidence) -> {};

    /** Gets every checked embeddings answer as its dispute evidence (for the committee feed's archive). */
    void onEmbeddings(BiConsumer<SignedReceipt, EmbeddingDisputeEvidence> sink) {
        this.onEmbeddings = Objects.requireNonNull(sink, "sink");
    }

    /** Sends the call, waiting for the response head at most {@link #WHOLE_ANSWER_TIMEOUT}; the caller reads (and closes) the body. */
    HttpResponse<InputStream> open(NodeState node, Call call) throws IOException, InterruptedException {
        return open(node, call, WHOLE_ANSWER_TIMEOUT);
    }

    /**
     * Sends the call, waiting for the response head at most {@code headTimeout}. A node sends a stream's head with
     * its first token (until then a failure is still a status), so for a relayed stream this is the first-token
     * timeout.
     */
    HttpResponse<InputStream> open(NodeState node, Call call, Duration headTimeout) throws IOException, InterruptedException {
        Map<String, String> headers = new HashMap<>(payer.to(node.address));
        headers.put("Verity-Request-Id", call.requestId().toHex());
        Keccak256 prev = call.lastReceipt().get();
        if (prev != null) headers.put(ReceiptV2.PREV_RECEIPT_HEADER, prev.toHex());
        try {
            return NodeApiClient.of(node.url(), headTimeout, http).postStream(call.path(), call.bytes(), headers);
        } catch (UnreachableException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    /** {@link #fetch} in the background: how the {@link PolicyEngine} asks for whole answers. */
    @Override
    public CompletableFuture<NodeResult<LlmAnswer>> call(NodeState node, Call call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return fetch(node, call);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return NodeResult.Failed.of(new Attempt(node.address, node.url(), "cancelled", 0, "interrupted"));
            } catch (RuntimeException e) {
                return NodeResult.Failed.of(new Attempt(node.address, node.url(), "io-error", 0, String.valueOf(e.getMessage())));
            }
        }, calls);
    }

    /** The whole answer of one node, checked; streamed answers are read to their end. Never throws for the node's faults. */
    NodeResult<LlmAnswer> fetch(NodeState node, Call call) throws InterruptedException {
        long started = System.nanoTime();
        node.inflight.incrementAndGet();
        try {
            NodeResult<LlmAnswer> r = fetchUnchecked(node, call, started);
            if (r instanceof NodeResult.Answered) node.recordSuccess(ms(started));
            else if (r instanceof NodeResult.Failed<LlmAnswer> f && !f.clientFault()) node.recordFailure(f.attempt().outcome().equals("timeout") ? ms(started) : 0);
            // Not routed this model again until a health check sees its engine up.
            if (r instanceof NodeResult.Failed<LlmAnswer> f && f.engineDown()) node.engineDown(call.model());
            return r;
        } finally {
            node.inflight.decrementAndGet();
        }
    }

    private NodeResult<LlmAnswer> fetchUnchecked(NodeState node, Call call, long started) throws InterruptedException {
        HttpResponse<InputStream> resp;
        try {
            resp = open(node, call);
        } catch (IOException e) {
            return failure(node, e, started);
        }
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) return httpFailure(node, resp.statusCode(), in.readAllBytes(),
                    resp.headers().firstValue("Content-Type").orElse("application/json"), started);
            Optional<String> digestHeader = resp.headers().firstValue("Verity-Request-Digest");
            if (!call.stream()) {
                JsonNode answer = JSON.readTree(in);
                if (!(answer instanceof ObjectNode o)) return invalid(node, "the answer is not a JSON object", started);
                Optional<String> bad = check(node, call, o, o);
                if (bad.isPresent()) return invalid(node, bad.get(), started);
                SignedReceipt receipt = accepted(call, o);
                Optional<String> swapped = substitution(call, receipt);
                if (swapped.isPresent()) return substituted(node, call, receipt, swapped.get(), started);
                // check read the outputs; a node whose applied is no object cannot be shown to a committee
                if (call.path().equals(EmbeddingDigests.PATH) && call.body() instanceof ObjectNode request
                        && o.at("/verity/applied") instanceof ObjectNode applied) {
                    onEmbeddings.accept(receipt, new EmbeddingDisputeEvidence(request, applied, EmbeddingDigests.outputs(o)));
                }
                return new NodeResult.Answered<>(new LlmAnswer(node, receipt, o, List.of(), digestHeader, ok(node, started)));
            }
            List<String> events = new ArrayList<>();
            List<JsonNode> chunks = new ArrayList<>();
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = lines.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                String data = line.substring(6);
                JsonNode chunk = JSON.readTree(data);
                if (chunk.has("error")) {
                    return new NodeResult.Failed<>(new Attempt(node.address, node.url(), "stream-error", ms(started),
                            chunk.at("/error/message").asText()), false, 200, data.getBytes(StandardCharsets.UTF_8), "application/json");
                }
                events.add(data);
                chunks.add(chunk);
                if (chunk.has("verity")) {
                    ObjectNode whole = ChatDigests.answerFromChunks(chunks, call.chat());
                    Optional<String> bad = check(node, call, chunk, whole);
                    if (bad.isPresent()) return invalid(node, bad.get(), started);
                    SignedReceipt receipt = accepted(call, chunk);
                    Optional<String> swapped = substitution(call, receipt);
                    if (swapped.isPresent()) return substituted(node, call, receipt, swapped.get(), started);
                    return new NodeResult.Answered<>(new LlmAnswer(node, receipt,
                            (ObjectNode) chunk, events, digestHeader, ok(node, started)));
                }
            }
            return NodeResult.Failed.of(new Attempt(node.address, node.url(), "io-error", ms(started),
                    "the stream ended before its receipt"));
        } catch (IOException e) {
            return failure(node, e, started);
        }
    }

    /**
     * Checks a node's answer as a stranger would: signature in this chain's domain, signer is the node asked,
     * requestId and model as asked, and both digests recomputed from the request and the answer.
     *
     * @param verityHolder the JSON holding {@code verity} (the answer, or a stream's last chunk)
     * @param answer the whole answer the receipt must sign (for a stream, rebuilt from its chunks)
     * @return what is wrong, or empty when the receipt holds
     */
    Optional<String> check(NodeState node, Call call, JsonNode verityHolder, JsonNode answer) {
        JsonNode verity = verityHolder.get("verity");
        if (verity == null || !verity.isObject()) return Optional.of("the answer has no verity object");
        SignedReceipt receipt;
        try {
            receipt = ReceiptJson.read(verity.get("receipt"), "/verity/receipt");
        } catch (RuntimeException e) {
            return Optional.of("malformed receipt: " + e.getMessage());
        }
        if (receipt.verify(domain) instanceof ReceiptVerdict.Invalid bad) return Optional.of(bad.reason());
        if (!receipt.receipt().node().equals(node.address)) {
            return Optional.of("signed by " + receipt.receipt().node() + ", not by the node asked, " + node.address);
        }
        if (!receipt.receipt().requestId().equals(call.requestId())) {
            return Optional.of("receipt is for request " + receipt.receipt().requestId() + ", not " + call.requestId());
        }
        if (!receipt.receipt().modelDigest().equals(call.model())) {
            return Optional.of("model digest " + receipt.receipt().modelDigest() + " is not the model asked, " + call.model());
        }
        Keccak256 requestDigest = ChatDigests.request(call.path(), call.body(), verity.get("applied"));
        if (!receipt.receipt().inputsDigest().equals(requestDigest)) {
            return Optional.of("inputsDigest " + receipt.receipt().inputsDigest() + " is not the request's digest " + requestDigest);
        }
        Keccak256 responseDigest;
        try {
            responseDigest = call.path().equals(EmbeddingDigests.PATH) ? EmbeddingDigests.response(answer)
                    : ChatDigests.response(answer);
        } catch (IllegalArgumentException e) {
            return Optional.of("malformed answer: " + e.getMessage());
        }
        if (!receipt.receipt().outputsDigest().equals(responseDigest)) {
            return Optional.of("outputsDigest " + receipt.receipt().outputsDigest() + " is not the answer's digest " + responseDigest);
        }
        return Optional.empty();
    }

    /**
     * A receipt that {@link #check} accepted, against the model the client asked for: a v2 receipt whose served
     * model is not the requested one (unless the request allowed it), or not the pinned digest.
     */
    static Optional<String> substitution(Call call, SignedReceipt r) {
        return call.asked().problem(r.receipt()).map(p -> p + " (receipt " + r.id() + ")");
    }

    /**
     * The receipt of an answer that {@link #check} accepted: recorded as the request's last (the next node asked
     * names it as the receipt its answer follows), then judged by {@link #substitution}.
     */
    static SignedReceipt accepted(Call call, JsonNode verityHolder) {
        SignedReceipt r = ReceiptJson.read(verityHolder.at("/verity/receipt"), "");
        call.lastReceipt().set(r.id());
        return r;
    }

    /**
     * A node that served another model than asked: as wrong as a bad receipt, so the next node is tried; its
     * receipt is kept as evidence of the substitution.
     */
    NodeResult.Failed<LlmAnswer> substituted(NodeState node, Call call, SignedReceipt receipt, String why, long started) {
        caught(node, call, receipt);
        return NodeResult.Failed.of(new Attempt(node.address, node.url(), Attempt.SUBSTITUTION, ms(started), why));
    }

    /** Records a substitution the gateway caught: the node, the request and the receipt that says what served. */
    void caught(NodeState node, Call call, SignedReceipt receipt) {
        evidence.append(new EvidenceLog.Entry(clock.instant(), EvidenceLog.Kind.SUBSTITUTION, node.address, call.requestId(),
                call.model(), call.policy(), List.of(receipt), List.of(), Optional.empty()));
    }

    /** A chunk that carries part of the answer (text or a tool call), as opposed to the role, finish or receipt chunks. */
    static boolean isToken(JsonNode chunk, boolean chat) {
        JsonNode c = chunk.path("choices").path(0);
        if (!chat) return !c.path("text").asText("").isEmpty();
        JsonNode delta = c.path("delta");
        return !delta.path("content").asText("").isEmpty() || delta.path("tool_calls").size() > 0;
    }

    static NodeResult.Failed<LlmAnswer> failure(NodeState node, Throwable t, long started) {
        String outcome = t instanceof HttpTimeoutException ? "timeout" : t instanceof ConnectException ? "connect-error" : "io-error";
        return NodeResult.Failed.of(new Attempt(node.address, node.url(), outcome, ms(started), NodeDirectory.rootMessage(t)));
    }

    /** A non-200 answer: whose fault it is decides failover ({@link NodeResult#source}), as for tensors. */
    static NodeResult.Failed<LlmAnswer> httpFailure(NodeState node, int status, byte[] body, String contentType, long started) {
        String detail = "";
        try {
            JsonNode b = JSON.readTree(body);
            if (b != null) detail = b.hasNonNull("detail") ? b.get("detail").asText() : b.at("/error/message").asText("");
        } catch (IOException notJson) {
            // the detail stays empty; the status says enough
        }
        return NodeResult.Failed.ofStatus(new Attempt(node.address, node.url(), "http-" + status, ms(started), detail), status,
                body, contentType);
    }

    static NodeResult.Failed<LlmAnswer> invalid(NodeState node, String why, long started) {
        return NodeResult.Failed.of(new Attempt(node.address, node.url(), "invalid-receipt", ms(started), why));
    }

    static Attempt ok(NodeState node, long started) {
        return new Attempt(node.address, node.url(), "ok", ms(started), "");
    }

    static double ms(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e6;
    }
}
