package io.verity.engine.det;

import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** The outputs of one traced run and the committed digest of every intermediate tensor. */
public final class ExecutionTrace {
    private final List<Tensor> outputs;
    private final List<TraceEntry> entries;
    private final List<Keccak256[]> levels = new ArrayList<>();
    private final Keccak256[] chain;
    private final Keccak256 root;

    ExecutionTrace(List<Tensor> outputs, List<TraceEntry> entries) {
        this.outputs = List.copyOf(outputs);
        this.entries = List.copyOf(entries);
        int n = entries.size();
        chain = new Keccak256[n];
        for (int i = 0; i < n; i++) chain[i] = TraceProof.link(i == 0 ? Keccak256.ZERO : chain[i - 1], entries.get(i).digest());
        int width = 1 << TraceProof.depth(Math.max(n, 1));
        Keccak256[] level = new Keccak256[width];
        for (int i = 0; i < width; i++) level[i] = i < n ? TraceProof.leaf(i, chain[i]) : Keccak256.ZERO;
        levels.add(level);
        while (level.length > 1) {
            Keccak256[] up = new Keccak256[level.length / 2];
            for (int i = 0; i < up.length; i++) up[i] = Keccak256.hash(level[2 * i].toArray(), level[2 * i + 1].toArray());
            levels.add(up);
            level = up;
        }
        this.root = TraceProof.commit(n, level[0]);
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
        return root;
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
     */
    public Keccak256 chain(int index) {
        if (index < 0 || index >= entries.size()) {
            throw new IndexOutOfBoundsException("trace index must be in [0, " + (entries.size() - 1) + "], got " + index);
        }
        return chain[index];
    }

    /**
     * @throws IndexOutOfBoundsException when {@code index} is not in [0, size())
     */
    public TraceProof proof(int index) {
        if (index < 0 || index >= entries.size()) {
            throw new IndexOutOfBoundsException("trace index must be in [0, " + (entries.size() - 1) + "], got " + index);
        }
        List<Keccak256> sib = new ArrayList<>();
        int i = index;
        for (int l = 0; l < levels.size() - 1; l++) {
            sib.add(levels.get(l)[i ^ 1]);
            i >>= 1;
        }
        return new TraceProof(index, entries.size(), index == 0 ? Keccak256.ZERO : chain[index - 1], entries.get(index).digest(), sib);
    }
}
