package io.verity.node.settle;

import io.verity.protocol.Keccak256;
import java.util.List;
import java.util.Objects;

/**
 * Where a settled receipt sits on chain: batch {@code batchId} with Merkle root {@code batchRoot}, and the
 * sibling hashes that lead from the receipt's leaf to that root (OpenZeppelin StandardMerkleTree order).
 */
public record InclusionProof(Keccak256 receiptId, Keccak256 batchRoot, long batchId, List<Keccak256> proof) {
    public InclusionProof {
        Objects.requireNonNull(receiptId, "receiptId");
        Objects.requireNonNull(batchRoot, "batchRoot");
        if (batchId < 0) throw new IllegalArgumentException("batchId must be >= 0, got " + batchId);
        proof = List.copyOf(proof);
    }
}
