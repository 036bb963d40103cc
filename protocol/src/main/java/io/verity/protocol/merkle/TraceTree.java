package io.verity.protocol.merkle;

import io.verity.protocol.Keccak256;
import java.util.ArrayList;
import java.util.List;

/**
 * The trace commitment over a run's entry digests, as {@link TraceProof} defines it: the hash chain, the
 * positional Merkle tree, the traceRoot and an opening of any entry. The engine builds one per traced run; a
 * test builds one from chosen digests. Immutable.
 */
public final class TraceTree {
    private final List<Keccak256> digests;
    private final Keccak256[] chain;
    private final List<Keccak256[]> levels = new ArrayList<>();
    private final Keccak256 root;

    private TraceTree(List<Keccak256> digests) {
        this.digests = List.copyOf(digests);
        int n = this.digests.size();
        chain = new Keccak256[n];
        for (int i = 0; i < n; i++) chain[i] = TraceProof.link(i == 0 ? Keccak256.ZERO : chain[i - 1], this.digests.get(i));
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

    /** The commitment over {@code digests}, entry i's tensor digest at i (an empty trace is allowed). */
    public static TraceTree of(List<Keccak256> digests) {
        return new TraceTree(digests);
    }

    /** The value that goes into the receipt's {@code traceRoot}. */
    public Keccak256 root() {
        return root;
    }

    public int size() {
        return digests.size();
    }

    /**
     * chain(i): commits to the digests of entries 0..i, so equal chain values mean equal prefixes. Bisections
     * compare these.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not in [0, size())
     */
    public Keccak256 chain(int index) {
        check(index);
        return chain[index];
    }

    /** @throws IndexOutOfBoundsException when {@code index} is not in [0, size()) */
    public TraceProof proof(int index) {
        check(index);
        List<Keccak256> sib = new ArrayList<>();
        int i = index;
        for (int l = 0; l < levels.size() - 1; l++) {
            sib.add(levels.get(l)[i ^ 1]);
            i >>= 1;
        }
        return new TraceProof(index, size(), index == 0 ? Keccak256.ZERO : chain[index - 1], digests.get(index), sib);
    }

    private void check(int index) {
        if (index < 0 || index >= digests.size()) {
            throw new IndexOutOfBoundsException("trace index must be in [0, " + (digests.size() - 1) + "], got " + index);
        }
    }
}
