package io.verity.protocol.merkle;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Keccak256;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Proof that entry {@code index} of a trace of {@code leafCount} entries has tensor digest {@code digest},
 * under a given traceRoot ({@link TraceTree#root()}): the one opening type the engine serves, the node sends
 * over HTTP and DisputeGame checks ({@code Reveal}). The commitment (docs/protocol.md), written so Solidity can
 * check it with abi.encode and keccak256:
 *
 * <pre>
 * chain(-1) = bytes32(0)
 * chain(i)  = keccak256(chain(i-1) ‖ digest_i)              (a hash chain over the entries)
 * leaf(i)   = keccak256(uint256 i ‖ chain(i))
 * tree      = binary Merkle tree over leaf(0..n-1), padded with bytes32(0) to a power of two (at least 1),
 *             parent = keccak256(left ‖ right) (positional, not sorted)
 * traceRoot = keccak256(uint256 n ‖ bytes32 treeRoot)
 * </pre>
 *
 * Why a chain: agreeing on chain(i) means agreeing on every digest 0..i. So when a bisection over chain
 * values ends with agreement at i-1 and disagreement at i, every input of the node that produced entry i
 * (all earlier entries) is agreed, and that single node is what the referee re-executes: one bisection,
 * ceil(log2 n) rounds. {@code previous} is chain(index-1); it cannot be forged because chain(index) is
 * committed.
 *
 * @param siblings from the leaf level up
 */
public record TraceProof(int index, int leafCount, Keccak256 previous, Keccak256 digest, List<Keccak256> siblings) {
    public TraceProof {
        if (leafCount < 1) throw new IllegalArgumentException("leafCount must be >= 1, got " + leafCount);
        if (index < 0 || index >= leafCount) {
            throw new IllegalArgumentException("index must be in [0, " + (leafCount - 1) + "], got " + index);
        }
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(digest, "digest");
        siblings = List.copyOf(siblings);
        if (siblings.size() != depth(leafCount)) {
            throw new IllegalArgumentException("siblings must have " + depth(leafCount) + " entries for " + leafCount
                    + " leaves, got " + siblings.size());
        }
    }

    /**
     * Reads the opening members of a trace entry's JSON as nodes serve it ({@code GET
     * /v1/receipts/{id}/trace/{i}}: {@code index, leafCount, previous, digest, siblings[]}, hashes as 0x-hex;
     * other members such as {@code name} and {@code node} are the caller's).
     *
     * @throws IllegalArgumentException naming what is malformed
     */
    public static TraceProof fromJson(JsonNode body) {
        for (String field : new String[] {"index", "leafCount"}) {
            if (!body.path(field).canConvertToInt() || !body.path(field).isIntegralNumber()) {
                throw new IllegalArgumentException(field + " must be an integer, got " + body.get(field));
            }
        }
        List<Keccak256> siblings = new ArrayList<>();
        for (JsonNode h : body.path("siblings")) siblings.add(Keccak256.parse(h.asText()));
        return new TraceProof(body.get("index").intValue(), body.get("leafCount").intValue(),
                Keccak256.parse(body.path("previous").asText()), Keccak256.parse(body.path("digest").asText()), siblings);
    }

    /** chain(index): what two parties compare during a bisection. */
    public Keccak256 chain() {
        return link(previous, digest);
    }

    /** The trace root this proof leads to. */
    public Keccak256 root() {
        Keccak256 node = leaf(index, chain());
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

    static Keccak256 link(Keccak256 previous, Keccak256 digest) {
        return Keccak256.hash(previous.toArray(), digest.toArray());
    }

    static Keccak256 leaf(int index, Keccak256 chain) {
        return Keccak256.hash(uint256(index), chain.toArray());
    }

    static Keccak256 commit(int n, Keccak256 treeRoot) {
        return Keccak256.hash(uint256(n), treeRoot.toArray());
    }

    static byte[] uint256(long v) {
        return ByteBuffer.allocate(32).putLong(24, v).array();
    }
}
