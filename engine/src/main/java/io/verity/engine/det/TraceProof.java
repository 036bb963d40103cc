package io.verity.engine.det;

import io.verity.protocol.Keccak256;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Proof that the tensor digest at {@code index} is part of a trace of {@code leafCount} entries with a
 * given {@link ExecutionTrace#root() traceRoot}. The commitment, written so Solidity can check it with
 * abi.encode and keccak256:
 *
 * <pre>
 * leaf(i)   = keccak256(uint256 i ‖ bytes32 tensorDigest_i)
 * tree      = binary Merkle tree over leaf(0..n-1), padded with bytes32(0) to a power of two (at least 1),
 *             parent = keccak256(left ‖ right) (positional, not sorted)
 * traceRoot = keccak256(uint256 n ‖ bytes32 treeRoot)
 * </pre>
 *
 * @param siblings from the leaf level up
 */
public record TraceProof(int index, int leafCount, Keccak256 digest, List<Keccak256> siblings) {
    public TraceProof {
        if (leafCount < 1) throw new IllegalArgumentException("leafCount must be >= 1, got " + leafCount);
        if (index < 0 || index >= leafCount) {
            throw new IllegalArgumentException("index must be in [0, " + (leafCount - 1) + "], got " + index);
        }
        Objects.requireNonNull(digest, "digest");
        siblings = List.copyOf(siblings);
        if (siblings.size() != depth(leafCount)) {
            throw new IllegalArgumentException("siblings must have " + depth(leafCount) + " entries for " + leafCount
                    + " leaves, got " + siblings.size());
        }
    }

    /** The trace root this proof leads to. */
    public Keccak256 root() {
        Keccak256 node = leaf(index, digest);
        int i = index;
        for (Keccak256 s : siblings) {
            node = (i & 1) == 0 ? Keccak256.hash(node.toArray(), s.toArray()) : Keccak256.hash(s.toArray(), node.toArray());
            i >>= 1;
        }
        return commit(leafCount, node);
    }

    public boolean verifies(Keccak256 traceRoot) {
        return root().equals(traceRoot);
    }

    static int depth(int n) {
        int d = 0;
        while ((1 << d) < n) d++;
        return d;
    }

    static Keccak256 leaf(int index, Keccak256 digest) {
        return Keccak256.hash(uint256(index), digest.toArray());
    }

    static Keccak256 commit(int n, Keccak256 treeRoot) {
        return Keccak256.hash(uint256(n), treeRoot.toArray());
    }

    static byte[] uint256(long v) {
        return ByteBuffer.allocate(32).putLong(24, v).array();
    }
}
