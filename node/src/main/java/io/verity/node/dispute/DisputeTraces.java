package io.verity.node.dispute;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.engine.det.DeterministicModel;
import io.verity.engine.det.ExecutionTrace;
import io.verity.node.serve.NodeService;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The execution trace behind a receipt this node signed with the deterministic engine, recomputed from the
 * kept inputs (the engine is deterministic, so it matches the signed traceRoot, or is the root the node commits when
 * an on-challenge receipt is disputed) and cached for the few
 * receipts under dispute, since a bisection asks for the same trace about a dozen times.
 */
public final class DisputeTraces {
    public record Traced(SignedReceipt receipt, DeterministicModel model, List<Tensor> inputs, ExecutionTrace trace) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final NodeService service;
    private final Map<Keccak256, Traced> cache = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Keccak256, Traced> e) {
            return size() > 4;
        }
    };

    public DisputeTraces(NodeService service) {
        this.service = service;
    }

    /**
     * Empty when the node never signed this receipt, signed it without a trace (another engine), or under a
     * contract this version does not compute.
     */
    public Optional<Traced> traced(Keccak256 receiptId) {
        synchronized (cache) {
            Traced t = cache.get(receiptId);
            if (t != null) return Optional.of(t);
        }
        Optional<byte[]> json = service.receipt(receiptId);
        if (json.isEmpty()) return Optional.empty();
        SignedReceipt receipt;
        try {
            receipt = ReceiptJson.read(JSON.readTree(json.get()), "");
        } catch (IOException e) {
            throw new UncheckedIOException("receipt log entry " + receiptId + " is not JSON", e);
        }
        if (receipt.receipt().traceRoot().equals(Keccak256.ZERO)) return Optional.empty();
        Optional<List<Tensor>> inputs = service.traces().inputs(receiptId);
        if (inputs.isEmpty()) return Optional.empty();
        // recomputed under the contract the receipt names, which need not be the one this node signs today
        Optional<DeterministicModel> m = service.deterministic(receipt.receipt().modelDigest(), receipt.receipt().engine());
        if (m.isEmpty()) return Optional.empty();
        DeterministicModel model = m.get();
        Traced t = new Traced(receipt, model, inputs.get(), model.trace(inputs.get()));
        synchronized (cache) {
            cache.put(receiptId, t);
        }
        return Optional.of(t);
    }
}
