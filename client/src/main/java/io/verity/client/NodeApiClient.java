package io.verity.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.InclusionProof;
import io.verity.protocol.wire.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * A typed client of one node's HTTP API (docs/node.md): each route as a method, each answer as a record or the
 * protocol's wire types. It checks nothing beyond the answer's form; {@link VerityClient} verifies answers.
 * A gateway serves {@code /v1/infer}, {@code /v1/models}, {@code /health} and {@code /v1/receipts/{id}/proof}
 * too, so the same methods work against one.
 *
 * <p>Every method throws {@link ProblemException} when the server refuses (4xx/5xx problem+json),
 * {@link UnreachableException} when it cannot be reached or does not answer within the timeout, and
 * {@link UnverifiedAnswerException} ({@code RESPONSE_FORMAT}) when a 200 answer is not what the route promises.
 * Thread-safe; close it to release the HTTP client.
 */
public final class NodeApiClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Default of {@link #of(URI)}: a gateway running {@code redundant:k} answers when its slowest needed node has. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_BODY_SHOWN = 200;
    /**
     * The largest answer read into memory (docs/security.md): four times a node's default largest request, so any
     * honest answer fits; a node announcing or sending more fails the call as unreachable instead of the caller's
     * heap filling up.
     */
    public static final long MAX_ANSWER_BYTES = 256L << 20;

    private final URI base;
    private final Duration timeout;
    private final HttpClient http;
    private final boolean ownsHttp;
    private final NodeConnections connections; // null: whole-body exchanges on the JDK client too

    private NodeApiClient(URI base, Duration timeout, HttpClient shared, NodeConnections connections) {
        Objects.requireNonNull(base, "base");
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw new IllegalArgumentException("base must be an http or https URL, got " + base);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.timeout = timeout;
        this.ownsHttp = shared == null;
        this.http = shared != null ? shared : HttpClient.newBuilder().connectTimeout(timeout).build();
        this.connections = connections;
    }

    /** A client of the node at {@code base}, e.g. {@code http://127.0.0.1:7070}, with {@link #DEFAULT_TIMEOUT}. */
    public static NodeApiClient of(URI base) {
        return new NodeApiClient(base, DEFAULT_TIMEOUT, null, null);
    }

    /** @param timeout how long to wait to connect and then for each answer; must be positive */
    public static NodeApiClient of(URI base, Duration timeout) {
        return new NodeApiClient(base, timeout, null, null);
    }

    /**
     * A client on an HTTP client shared with others (a gateway's, one per process for every node: one connection
     * pool, one selector thread); {@link #close()} leaves it open.
     *
     * @param timeout how long to wait for each answer; must be positive (connecting follows {@code shared})
     */
    public static NodeApiClient of(URI base, Duration timeout, HttpClient shared) {
        return new NodeApiClient(base, timeout, Objects.requireNonNull(shared, "shared"), null);
    }

    /**
     * {@link #of(URI, Duration, HttpClient)} whose whole-body exchanges (every method but {@link #postStream}) go over
     * {@code connections}: for a process that calls nodes on every request it serves. {@link #close()} leaves both open.
     */
    public static NodeApiClient of(URI base, Duration timeout, HttpClient shared, NodeConnections connections) {
        return new NodeApiClient(base, timeout, Objects.requireNonNull(shared, "shared"),
                Objects.requireNonNull(connections, "connections"));
    }

    public URI base() {
        return base;
    }

    /** A node's answer to {@code POST /v1/infer}; {@code raw} is the body as sent, for saving and showing. */
    public record Answer(List<Tensor> outputs, SignedReceipt receipt, JsonNode raw) {}

    /**
     * An answer as it came, unread: for callers that check it and relay its bytes themselves (a gateway).
     *
     * @param contentType the {@code Content-Type} header, {@code application/json} when there is none
     */
    public record RawAnswer(int status, String contentType, byte[] body) {}

    /** What a node holds for one payer ({@code GET /v1/vouchers/{client}}): wei, "0" when it holds nothing. */
    public record Channel(EvmAddress client, EvmAddress node, BigInteger held, BigInteger redeemed) {}

    /**
     * {@code POST /v1/infer}: {@code model} on {@code inputs}, sent in their exact binary form.
     *
     * @param requestId the caller's id, else the node picks one
     */
    public Answer infer(String model, List<Tensor> inputs, Optional<Keccak256> requestId) {
        return answer(post("/v1/infer", inferBody(model, inputs, requestId), Map.of()));
    }

    /** The {@code /v1/infer} body {@code {model, inputs, requestId?}}. */
    static ObjectNode inferBody(String model, List<Tensor> inputs, Optional<Keccak256> requestId) {
        Objects.requireNonNull(model, "model");
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode arr = body.putArray("inputs");
        // The compact (base64) form carries the exact element bytes, NaN payloads included, so the server
        // hashes the very inputs the client digests.
        for (Tensor t : inputs) arr.add(TensorJson.writeCompact(t));
        requestId.ifPresent(id -> body.put("requestId", id.toHex()));
        return body;
    }

    /**
     * {@code POST /v1/infer} with a body the caller built (e.g. inputs as a user wrote them, left for the node to
     * judge), read as a node's answer.
     */
    public Answer infer(JsonNode body) {
        return answer(post("/v1/infer", body, Map.of()));
    }

    /** POSTs a JSON body with extra headers and returns the answer as sent: a gateway's, whose shape is its own. */
    public JsonNode post(String path, JsonNode body, Map<String, String> headers) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the request", e); // Jackson writing a tree does not fail
        }
        return send(path, bytes, headers);
    }

    /**
     * POSTs {@code body} (JSON) with extra headers and returns the answer unread, whatever its status. Blocks the
     * calling thread (a virtual thread costs nothing to block, and a plain {@code send} skips the hop to the
     * common pool that the JDK client makes for {@code sendAsync}); interrupting it abandons the exchange.
     *
     * @throws UnreachableException when no answer arrived; its cause is the client's exception
     *     ({@link HttpTimeoutException}, {@link java.net.ConnectException}, another {@link IOException})
     */
    public RawAnswer postRaw(String path, byte[] body, Map<String, String> headers) throws InterruptedException {
        if (connections != null) return await(postRawAsync(path, body, headers));
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json");
        headers.forEach(b::header);
        HttpRequest req = b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req, BoundedBody.handler(MAX_ANSWER_BYTES));
        } catch (IOException e) {
            throw unreachable(req, e);
        }
        return raw(resp);
    }

    /**
     * {@link #postRaw} without blocking: the answer completes the future on the HTTP client's executor. Cancelling
     * the future abandons the exchange.
     *
     * @return completes exceptionally with {@link UnreachableException} when no answer arrived
     */
    public CompletableFuture<RawAnswer> postRawAsync(String path, byte[] body, Map<String, String> headers) {
        Objects.requireNonNull(body, "body");
        if (connections != null) return connections.exchange(URI.create(base + path), body, headers, timeout, MAX_ANSWER_BYTES);
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json");
        headers.forEach(b::header);
        return rawAsync(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** {@link #getRaw} without blocking, as {@link #postRawAsync}: for asking many nodes at once. */
    public CompletableFuture<RawAnswer> getRawAsync(String path) {
        if (connections != null) return connections.exchange(URI.create(base + path), null, Map.of(), timeout, MAX_ANSWER_BYTES);
        return rawAsync(request(path).GET().build());
    }

    private CompletableFuture<RawAnswer> rawAsync(HttpRequest req) {
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(req, BoundedBody.handler(MAX_ANSWER_BYTES));
        CompletableFuture<RawAnswer> answer = exchange.handle((resp, err) -> {
            if (err == null) return raw(resp);
            Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (t instanceof IOException io) throw unreachable(req, io);
            throw t instanceof RuntimeException r ? r : new CompletionException(t);
        });
        answer.whenComplete((r, err) -> {
            if (err instanceof CancellationException) exchange.cancel(true);
        });
        return answer;
    }

    /** The answer of an exchange on {@link #connections}, waited for; interrupting the wait abandons the exchange. */
    private static RawAnswer await(CompletableFuture<RawAnswer> exchange) throws InterruptedException {
        try {
            return exchange.get();
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private static RawAnswer raw(HttpResponse<byte[]> resp) {
        return new RawAnswer(resp.statusCode(), resp.headers().firstValue("Content-Type").orElse("application/json"), resp.body());
    }

    /** {@code GET} of any route, the answer unread whatever its status, as {@link #postRaw}. */
    public RawAnswer getRaw(String path) throws InterruptedException {
        if (connections != null) return await(getRawAsync(path));
        HttpRequest req = request(path).GET().build();
        try {
            return raw(http.send(req, BoundedBody.handler(MAX_ANSWER_BYTES)));
        } catch (IOException e) {
            throw unreachable(req, e);
        }
    }

    /**
     * POSTs {@code body} (JSON) and returns once the answer's head arrived, its body left to the caller to read as
     * it comes (a stream of server-sent events) and to close. The timeout bounds the wait for the head only.
     *
     * @throws UnreachableException as {@link #postRaw}
     */
    public HttpResponse<InputStream> postStream(String path, byte[] body, Map<String, String> headers)
            throws InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Content-Type", "application/json"); // no Accept: the body says whether it streams
        headers.forEach(b::header);
        HttpRequest req = b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            return http.send(req, BoundedBody.streamHandler(MAX_ANSWER_BYTES));
        } catch (IOException e) {
            throw unreachable(req, e);
        }
    }

    /** {@code GET} of any route, the answer as sent. */
    public JsonNode get(String path) {
        return send(path, null, Map.of());
    }

    /** {@code GET /v1/receipts/{id}}: a receipt this node signed, empty when it has none of that id (404). */
    public Optional<SignedReceipt> receipt(Keccak256 id) {
        return notFoundAsEmpty(() -> get("/v1/receipts/" + id.toHex())).map(j -> read("receipt", id, null,
                () -> ReceiptJson.read(j, "")));
    }

    /**
     * {@code GET /v1/receipts/{id}/proof}: where the receipt sits on chain; empty while it is not settled (404).
     * The proof is only read here; {@link InclusionProof#holds()} and {@code OnChainVerifier} check it.
     */
    public Optional<InclusionProof> proof(Keccak256 id) {
        return proof(id, null, "/v1/receipts/" + id.toHex() + "/proof");
    }

    /** {@link #proof(Keccak256)} asked of a gateway for the receipt of {@code node} ({@code ?node=}; a node ignores it). */
    public Optional<InclusionProof> proof(Keccak256 id, EvmAddress node) {
        return proof(id, node, "/v1/receipts/" + id.toHex() + "/proof?node=" + node);
    }

    private Optional<InclusionProof> proof(Keccak256 id, EvmAddress node, String path) {
        return notFoundAsEmpty(() -> get(path)).map(j -> read("inclusion proof", id, node, () -> InclusionProof.fromJson(j)));
    }

    /** {@code GET /v1/batches/{root}}: a batch this node cut, {@code {root, batchId, uri, count, ids, receipts}}. */
    public Optional<JsonNode> batch(Keccak256 root) {
        return notFoundAsEmpty(() -> get("/v1/batches/" + root.toHex()));
    }

    /** {@code GET /v1/vouchers/{client}}. */
    public Channel channel(EvmAddress client) {
        JsonNode j = get("/v1/vouchers/" + client);
        return read("channel", null, null, () -> new Channel(EvmAddress.parse(j.path("client").asText()),
                EvmAddress.parse(j.path("node").asText()), new BigInteger(j.path("cumulativeAmount").asText("0")),
                new BigInteger(j.path("redeemed").asText("0"))));
    }

    /** {@code GET /v1/models}: {@code {models: [manifest...], object: "list", data: [...]}}. */
    public JsonNode models() {
        return get("/v1/models");
    }

    /** {@code GET /health}: {@code {status, node, engine, models, receipts, ...}}. */
    public JsonNode health() {
        return get("/health");
    }

    @Override
    public void close() {
        if (ownsHttp) http.close();
    }

    private Answer answer(JsonNode resp) {
        return read("inference answer", null, null, () -> new Answer(TensorJson.readList(resp.get("outputs"), "/outputs"),
                ReceiptJson.read(resp.get("receipt"), "/receipt"), resp));
    }

    private static <T> T read(String what, Keccak256 receiptId, EvmAddress node, Supplier<T> reader) {
        try {
            return reader.get();
        } catch (RuntimeException e) { // IllegalArgumentException (InvalidFieldException), NullPointerException on a missing member
            throw new UnverifiedAnswerException(UnverifiedAnswerException.Check.RESPONSE_FORMAT, receiptId, node, "malformed "
                    + what + ": " + e.getMessage());
        }
    }

    private static Optional<JsonNode> notFoundAsEmpty(Supplier<JsonNode> call) {
        try {
            return Optional.of(call.get());
        } catch (ProblemException e) {
            if (e.status() == 404) return Optional.empty();
            throw e;
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Accept", "application/json");
    }

    /** A JSON route's answer (a GET when {@code body} is null): the body of a 200, else its problem thrown. */
    private JsonNode send(String path, byte[] body, Map<String, String> headers) {
        RawAnswer resp;
        URI uri = URI.create(base + path);
        try {
            resp = body == null ? getRaw(path) : postRaw(path, body, headers);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException(uri, "interrupted while waiting for " + uri, e);
        }
        return json(uri, resp);
    }

    private static JsonNode json(URI uri, RawAnswer resp) {
        int status = resp.status();
        JsonNode body;
        try {
            body = JSON.readTree(resp.body());
        } catch (IOException e) {
            body = null;
        }
        if (status >= 400) throw problem(status, body, resp.body());
        if (status != 200 || body == null) {
            throw new UnverifiedAnswerException(UnverifiedAnswerException.Check.RESPONSE_FORMAT, uri + " answered "
                    + status + " with " + (body == null ? "a body that is not JSON: " + shown(resp.body()) : "an unexpected status"));
        }
        return body;
    }

    private UnreachableException unreachable(HttpRequest req, IOException e) {
        return e instanceof HttpTimeoutException
                ? new UnreachableException(req.uri(), "no answer from " + req.uri() + " within " + timeout, e)
                : new UnreachableException(req.uri(), "cannot reach " + req.uri() + ": " + e, e);
    }

    private static ProblemException problem(int status, JsonNode p, byte[] raw) {
        if (p == null || !p.isObject()) {
            return new ProblemException(new Problem("about:blank", "HTTP " + status, status, shown(raw), null, List.of(), null,
                    null, null));
        }
        return new ProblemException(Problem.fromJson(status, p));
    }

    private static String shown(byte[] raw) {
        String s = new String(raw, StandardCharsets.UTF_8);
        return s.length() <= MAX_BODY_SHOWN ? s : s.substring(0, MAX_BODY_SHOWN) + "...";
    }
}
