package io.verity.gateway.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.gateway.policy.NodeCall;
import io.verity.gateway.policy.NodeResult;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeDirectory;
import io.verity.gateway.routing.NodeState;
import io.verity.protocol.EvmAddress;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
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
    private final Eip712Domain domain;
    private final Duration timeout;
    private final Executor checks;
    private final Optional<EvmAddress> payer; // named to nodes, which serve a payer only within its credit

    /**
     * @param checks where answers are parsed and their receipts verified (ecrecover, digests): the JDK
     *     client would run that on the common pool, which has a single worker on a 2-core machine
     */
    public NodeCaller(HttpClient http, Eip712Domain domain, Duration timeout, Executor checks, Optional<EvmAddress> payer) {
        this.payer = payer;
        this.http = http;
        this.domain = domain;
        this.timeout = timeout;
        // Once the gateway is closing its executor refuses work; check inline then, so no caller waits forever.
        this.checks = task -> {
            try {
                checks.execute(task);
            } catch (RejectedExecutionException closing) {
                task.run();
            }
        };
    }

    @Override
    public CompletableFuture<NodeResult<NodeAnswer>> call(NodeState node, Call call) {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.url().resolve("/v1/infer"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(call.body()));
        payer.ifPresent(p -> b.header(io.verity.protocol.json.VoucherJson.PAYER_HEADER, p.toString()));
        HttpRequest req = b.build();
        long start = System.nanoTime();
        node.inflight.incrementAndGet();
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray());
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
        Throwable t = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        String outcome = t instanceof HttpTimeoutException ? "timeout"
                : t instanceof ConnectException ? "connect-error"
                : t instanceof CancellationException ? "cancelled"
                : "io-error";
        return NodeResult.Failed.of(new Attempt(node.address, node.url(), outcome, ms, NodeDirectory.rootMessage(t)));
    }

    private NodeResult<NodeAnswer> judge(NodeState node, Call call, HttpResponse<byte[]> resp, double ms) {
        int status = resp.statusCode();
        JsonNode body;
        try {
            body = JSON.readTree(resp.body());
        } catch (IOException e) {
            body = null;
        }
        if (status != 200) {
            String detail = body != null && body.hasNonNull("detail") ? body.get("detail").asText() : "";
            return NodeResult.Failed.ofStatus(new Attempt(node.address, node.url(), "http-" + status, ms, detail), status,
                    resp.body(), resp.headers().firstValue("Content-Type").orElse("application/json"));
        }
        if (body == null || !body.path("outputs").isArray() || !body.path("receipt").isObject()) {
            return invalid(node, ms, "response is not {outputs, receipt}");
        }
        List<Tensor> outputs;
        SignedReceipt signed;
        try {
            outputs = TensorJson.readList(body.get("outputs"), "/outputs");
            signed = ReceiptJson.read(body.get("receipt"), "/receipt");
        } catch (InvalidFieldException e) {
            return invalid(node, ms, "malformed answer: " + e.getMessage());
        }
        String problem = check(node, call, signed, outputs);
        if (problem != null) return invalid(node, ms, problem);
        Attempt ok = new Attempt(node.address, node.url(), "ok", ms, "");
        return new NodeResult.Answered<>(new NodeAnswer(node, outputs, body.get("outputs"), signed, ok));
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
