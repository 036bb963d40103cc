package io.verity.node.dispute;

import io.verity.chain.contracts.Dispute;
import io.verity.protocol.merkle.TraceProof;
import io.verity.engine.EngineException;
import io.verity.engine.det.DeterministicModel;
import io.verity.engine.det.ExecutionTrace;
import io.verity.engine.det.TraceEntry;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * A committee member's judgement of one game in VOTING: is the node's digest for entry {@code hi} what the
 * operator gives on the agreed inputs? The node must serve the receipt and the operator's inputs, each opened
 * against the game's traceRoot (the signed one, or the one the node committed on challenge) at an index below
 * {@code hi} (so both sides agreed on it); anything missing, malformed or inconsistent counts against the node.
 * The referee re-executes only that operator, with its own copy of the model.
 */
public final class Referee {
    /** @param reason one line for logs and the CLI */
    public record Ruling(boolean nodeRight, String reason) {}

    private final BiFunction<Keccak256, String, Optional<DeterministicModel>> models;

    /**
     * @param models the referee's own deterministic model for a digest under the contract a receipt names (its
     *     engine id), empty when it does not have the model or does not compute that contract
     */
    public Referee(BiFunction<Keccak256, String, Optional<DeterministicModel>> models) {
        this.models = models;
    }

    /**
     * Empty when this referee cannot judge (it lacks the model, or the receipt names a contract it does not
     * compute): it abstains rather than guess.
     */
    public Optional<Ruling> judge(Dispute game, TraceClient node) {
        int hi = Math.toIntExact(game.hi());
        Optional<SignedReceipt> receipt = node.receipt(game.receiptId());
        if (receipt.isEmpty() || !receipt.get().id().equals(game.receiptId())
                || !(receipt.get().receipt().traceRoot().equals(game.traceRoot()) || receipt.get().receipt().traceOnChallenge())) {
            return Optional.of(new Ruling(false, "node did not serve the disputed receipt"));
        }
        // the operator is re-executed under the receipt's own contract: a det/3 referee judges det/2 receipts as /2
        Optional<DeterministicModel> model = models.apply(receipt.get().receipt().modelDigest(), receipt.get().receipt().engine());
        if (model.isEmpty()) return Optional.empty();
        DeterministicModel m = model.get();
        List<TraceLayout.Slot> layout = TraceLayout.of(m);
        if (hi >= layout.size()) return Optional.of(new Ruling(false, "entry " + hi + " does not exist in this model's trace"));
        TraceLayout.Slot slot = layout.get(hi);
        Optional<TraceClient.OperatorInputs> served = node.inputs(game.receiptId(), hi);
        if (served.isEmpty()) return Optional.of(new Ruling(false, "node did not serve the inputs of entry " + hi));
        TraceClient.OperatorInputs in = served.get();
        if (in.index() != hi || in.node() != slot.node() || !in.name().equals(slot.name())) {
            return Optional.of(new Ruling(false, "node mislabelled entry " + hi + " as " + in.name() + " of node " + in.node()));
        }
        List<Tensor> tensors = new ArrayList<>();
        for (TraceClient.Served s : in.inputs()) {
            TraceProof o = s.opening().reveal();
            boolean agreed = slot.node() == -1 || o.index() < hi; // graph inputs are checked against inputsDigest instead
            if (!agreed || !opens(o, game.traceRoot()) || !ExecutionTrace.tensorDigest(s.tensor()).equals(o.digest())) {
                return Optional.of(new Ruling(false, "served input '" + s.tensor().name() + "' does not match the node's trace"));
            }
            tensors.add(s.tensor());
        }
        if (slot.node() == -1) { // a graph input: it must be the request's, as the signed inputsDigest says
            if (!TensorDigests.tensorsDigest(tensors).equals(receipt.get().receipt().inputsDigest())) {
                return Optional.of(new Ruling(false, "served request inputs do not match the receipt's inputsDigest"));
            }
            return tensors.stream().filter(t -> t.name().equals(slot.name())).findFirst()
                    .map(t -> ruling(ExecutionTrace.tensorDigest(t), game.nodeDigest(), "graph input " + slot.name()))
                    .or(() -> Optional.of(new Ruling(false, "request input " + slot.name() + " not served")));
        }
        if (slot.node() == TraceEntry.OUTPUTS_NODE) { // the aggregate a receipt signs as outputsDigest
            try {
                return Optional.of(ruling(m.outputsEntryDigest(tensors), game.nodeDigest(), "the outputs entry over "
                        + tensors.stream().map(Tensor::name).toList()));
            } catch (EngineException e) {
                return Optional.of(new Ruling(false, "node served the wrong tensors for the outputs entry: " + e.getMessage()));
            }
        }
        if (!new HashSet<>(m.nodeInputs(slot.node())).equals(new HashSet<>(tensors.stream().map(Tensor::name).toList()))) {
            return Optional.of(new Ruling(false, "node served inputs " + tensors.stream().map(Tensor::name).toList()
                    + " for node " + slot.node() + ", which reads " + m.nodeInputs(slot.node())));
        }
        List<Tensor> outs;
        try {
            outs = m.executeNode(slot.node(), tensors);
        } catch (EngineException e) {
            return Optional.of(new Ruling(false, "node " + slot.node() + " fails on the served inputs: " + e.getMessage()));
        }
        String what = m.nodeOp(slot.node()) + " node " + slot.node() + " -> " + slot.name();
        return outs.stream().filter(t -> t.name().equals(slot.name())).findFirst()
                .map(t -> ruling(ExecutionTrace.tensorDigest(t), game.nodeDigest(), what))
                .or(() -> Optional.of(new Ruling(false, what + " produced no such output")));
    }

    private static boolean opens(TraceProof o, Keccak256 traceRoot) {
        return o.verifies(traceRoot); // a malformed opening (wrong sibling count, index out of range) was refused when read
    }

    private static Ruling ruling(Keccak256 recomputed, Keccak256 claimed, String what) {
        return recomputed.equals(claimed) ? new Ruling(true, "re-executed " + what + ": node's digest matches")
                : new Ruling(false, "re-executed " + what + ": " + recomputed + " != node's " + claimed);
    }
}
