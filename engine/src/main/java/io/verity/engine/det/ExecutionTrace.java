package io.verity.engine.det;

import io.verity.engine.det.tensor.Canonical;
import io.verity.engine.det.tensor.Convert;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.TraceProof;
import io.verity.protocol.merkle.TraceTree;
import io.verity.protocol.tensor.Tensor;
import java.util.List;

/** The outputs of one traced run and the committed digest of every intermediate tensor. */
public final class ExecutionTrace {
    private final List<Tensor> outputs;
    private final List<TraceEntry> entries;
    private final TraceTree tree;

    ExecutionTrace(List<Tensor> outputs, List<TraceEntry> entries) {
        this.outputs = List.copyOf(outputs);
        this.entries = List.copyOf(entries);
        this.tree = TraceTree.of(this.entries.stream().map(TraceEntry::digest).toList());
    }

    /**
     * The canonical tensorDigest of docs/protocol.md, as trace entries use it: how a referee checks that the
     * tensors it was handed, and the outputs it recomputed, match the digests both parties committed to.
     *
     * @throws IllegalArgumentException for string and float16 tensors, which the engine does not carry
     */
    public static Keccak256 tensorDigest(Tensor t) {
        try {
            return Canonical.tensorDigest(t.name(), Convert.fromTensor(t));
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The value that goes into the receipt's {@code traceRoot}. */
    public Keccak256 root() {
        return tree.root();
    }

    public List<Tensor> outputs() {
        return outputs;
    }

    public List<TraceEntry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    /**
     * chain(i) (see {@link TraceProof}): commits to the digests of entries 0..i, so equal chain values mean
     * equal prefixes. Bisections compare these.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not in [0, size())
     */
    public Keccak256 chain(int index) {
        return tree.chain(index);
    }

    /**
     * @throws IndexOutOfBoundsException when {@code index} is not in [0, size())
     */
    public TraceProof proof(int index) {
        return tree.proof(index);
    }
}
