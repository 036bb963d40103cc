package io.verity.gateway.tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.RawValue;
import io.verity.client.NodeApiClient;
import io.verity.client.NodeConnections;
import io.verity.client.UnreachableException;
import io.verity.gateway.pay.PayerHeaders;
import io.verity.gateway.policy.NodeCall;
import io.verity.gateway.policy.NodeResult;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeDirectory;
import io.verity.gateway.routing.NodeState;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/** Calls one node's {@code POST /v1/infer} and checks what comes back before anyone relies on it. */
public final class NodeCaller implements NodeCall<NodeCaller.Call, NodeAnswer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as every node gets it: the model pinned by digest so all nodes run the same bytes. */
    public record Call(Keccak256 requestId, Keccak256 model, List<Tensor> inputs, Keccak256 inputsDigest, VerificationMode mode,
            byte[] body) {
        public static Call of(Keccak256 requestId, Keccak256 model, JsonNode inputsJson, List<Tensor> inputs, VerificationMode mode) {
            var o = JSON.createObjectNode();
            o.put("model", model.toHex());
            o.set("inputs", inputsJson);
            o.put("requestId", requestId.toHex());
            if (mode != VerificationMode.NONE) o.put("verification", mode.wireName());
            try {
                return new Call(requestId, model, inputs, TensorDigests.tensorsDigest(inputs), mode, JSON.writeValueAsBytes(o));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final HttpClient http;
    private final NodeConnections connections;
    private final Eip712Domain domain;
    private final Duration timeout;
    private final Executor checks;
    private final PayerHeaders payer; // named and proven to nodes, which serve it only within its credit
    private final Map<URI, NodeApiClient> clients = new ConcurrentHashMap<>();

    /**
     * @param checks where answers are parsed and their receipts verified (ecrecover, digests): the JDK
     *     client would run that on the common pool, which has a single worker on a 2-core machine
     */
    public NodeCaller(HttpClient http, NodeConnections connections, Eip712Domain domain, Duration timeout, Executor checks,
            PayerHeaders payer) {
        this.http = http;
        this.connections = connections;
        this.domain = domain;
        this.timeout = timeout;
        this.payer = payer;
        // Once the gateway is closing its executor refuses work; check inline then, so no caller waits forever.
        this.checks = task -> {
            try {
                checks.execute(task);
            } catch (RejectedExecutionException closing) {
                task.run();
            }
        };
    }

    /*
     * Asynchronous on purpose: a blocking NodeApiClient.postRaw on a virtual thread per call cost more CPU in
     * ./verity gateway-load (the JDK client's send() spins in CompletableFuture.get before it parks, and a
     * thread per call) than sendAsync with the checks handed to the executor.
     */
    /** Also hands every checked answer, with the request's inputs, to {@code sink} (the committee feed's archive). */
    public void onAnswer(java.util.function.BiConsumer<List<Tensor>, NodeAnswer> sink) {
        this.onAnswer = java.util.Objects.requireNonNull(sink, "sink");
    }

    private volatile java.util.function.BiConsumer<List<Tensor>, NodeAnswer> onAnswer = (inputs, answer) -> {};

    @Override
    public CompletableFuture<NodeResult<NodeAnswer>> call(NodeState node, Call call) {
        NodeApiClient client = clients.computeIfAbsent(node.url(), u -> NodeApiClient.of(u, timeout, http, connections));
        long start = System.nanoTime();
        node.inflight.incrementAndGet();
        CompletableFuture<NodeApiClient.RawAnswer> sent = client.postRawAsync("/v1/infer", call.body(), payer.to(node.address));
        // Released on the exchange itself: a hedge that lost is cancelled through the future returned below,
        // which skips its handler, and the node would otherwise count as loaded forever.
        sent.whenComplete((resp, err) -> node.inflight.decrementAndGet());
        CompletableFuture<NodeResult<NodeAnswer>> result = sent.handleAsync((resp, err) -> {
            double ms = (System.nanoTime() - start) / 1e6;
            NodeResult<NodeAnswer> r = err != null ? failure(node, err, ms) : judge(node, call, resp, ms);
            if (r instanceof NodeResult.Answered) {
                node.recordSuccess(ms);
            } else if (r instanceof NodeResult.Failed<NodeAnswer> f && !f.clientFault() && !f.attempt().outcome().equals("cancelled")) {
                node.recordFailure(f.attempt().outcome().equals("timeout") ? ms : 0);
            }
            return r;
        }, checks);
        result.whenComplete((r, err) -> {
            if (err instanceof CancellationException) sent.cancel(true); // abandon the exchange too
        });
        return result;
    }

    private static NodeResult<NodeAnswer> failure(NodeState node, Throwable err, double ms) {
        Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (t instanceof UnreachableException u && u.getCause() != null) t = u.getCause(); // the JDK client's own
        String outcome = t instanceof HttpTimeoutException ? "timeout"
                : t instanceof ConnectException ? "connect-error"
                : t instanceof CancellationException ? "cancelled"
                : "io-error";
        return NodeResult.Failed.of(new Attempt(node.address, node.url(), outcome, ms, NodeDirectory.rootMessage(t)));
    }

    private NodeResult<NodeAnswer> judge(NodeState node, Call call, NodeApiClient.RawAnswer resp, double ms) {
        int status = resp.status();
        if (status != 200) {
            JsonNode body;
            try {
                body = JSON.readTree(resp.body());
            } catch (IOException e) {
                body = null;
            }
            String detail = body != null && body.hasNonNull("detail") ? body.get("detail").asText() : "";
            return NodeResult.Failed.ofStatus(new Attempt(node.address, node.url(), "http-" + status, ms, detail), status,
                    resp.body(), resp.contentType());
        }
        Members m = Members.read(resp.body());
        if (m == null || m.outputs == null || !m.outputs.isArray() || m.receipt == null || !m.receipt.isObject()) {
            return invalid(node, ms, "response is not {outputs, receipt}");
        }
        List<Tensor> outputs;
        SignedReceipt signed;
        try {
            outputs = TensorJson.readList(m.outputs, "/outputs");
            signed = ReceiptJson.read(m.receipt, "/receipt");
        } catch (InvalidFieldException e) {
            return invalid(node, ms, "malformed answer: " + e.getMessage());
        }
        String problem = check(node, call, signed, outputs);
        if (problem != null) return invalid(node, ms, problem);
        Attempt ok = new Attempt(node.address, node.url(), "ok", ms, "");
        NodeAnswer answer = new NodeAnswer(node, outputs, m.outputsAsSent(resp.body()), signed, ok);
        onAnswer.accept(call.inputs(), answer);
        return new NodeResult.Answered<>(answer);
    }

    /**
     * The two members of a node's answer, read in one pass, and where the outputs sit in the body: they are relayed
     * to the client as those bytes, not re-encoded (the node writes floats as decimals, whose formatting was the
     * larger part of writing the gateway's answer). The last of a repeated member wins, as in a parsed tree.
     */
    private static final class Members {
        JsonNode outputs;
        JsonNode receipt;
        int outputsStart;
        int outputsEnd;

        static Members read(byte[] body) {
            Members m = new Members();
            try (JsonParser p = JSON.createParser(body)) {
                if (p.nextToken() != JsonToken.START_OBJECT) return null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    if ("outputs".equals(name)) {
                        m.outputsStart = (int) p.currentTokenLocation().getByteOffset();
                        m.outputs = p.readValueAsTree();
                        m.outputsEnd = (int) p.currentTokenLocation().getByteOffset() + 1; // past the closing token
                    } else if ("receipt".equals(name)) {
                        m.receipt = p.readValueAsTree();
                    } else if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                        p.skipChildren();
                    }
                }
                return p.currentToken() == JsonToken.END_OBJECT ? m : null;
            } catch (IOException e) {
                return null;
            }
        }

        /** The outputs exactly as the node wrote them; the parsed tree when the body's offsets are not usable. */
        JsonNode outputsAsSent(byte[] body) {
            if (outputsStart < 0 || outputsEnd > body.length || outputsEnd <= outputsStart) return outputs;
            return JSON.getNodeFactory().rawValueNode(new RawValue(
                    new String(body, outputsStart, outputsEnd - outputsStart, StandardCharsets.UTF_8)));
        }
    }

    private static NodeResult<NodeAnswer> invalid(NodeState node, double ms, String why) {
        return NodeResult.Failed.of(new Attempt(node.address, node.url(), "invalid-receipt", ms, why));
    }

    /** Null when the receipt verifies and commits to this call and these outputs, else what is wrong. */
    private String check(NodeState node, Call call, SignedReceipt signed, List<Tensor> outputs) {
        if (signed.verify(domain) instanceof ReceiptVerdict.Invalid bad) return "receipt does not verify: " + bad.reason();
        Receipt r = signed.receipt();
        if (!r.node().equals(node.address)) return "receipt signed by " + r.node() + ", not by the node called";
        if (!r.requestId().equals(call.requestId())) return "receipt is for request " + r.requestId();
        if (!r.modelDigest().equals(call.model())) return "receipt is for model " + r.modelDigest();
        if (!r.inputsDigest().equals(call.inputsDigest())) return "receipt signs other inputs (" + r.inputsDigest() + ")";
        Keccak256 out = TensorDigests.tensorsDigest(outputs);
        if (!out.equals(r.outputsDigest())) return "outputs hash to " + out + " but the receipt signs " + r.outputsDigest();
        return null;
    }
}
