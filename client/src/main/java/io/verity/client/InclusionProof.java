package io.verity.client;

import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.MerkleBatch;
import java.util.List;
import java.util.Objects;

/**
 * A node's proof that a receipt is in a batch it committed on chain ({@code GET /v1/receipts/{id}/proof}):
 * the batch's Merkle root and on-chain id, and the sibling path from the receipt's leaf to the root.
 */
public record InclusionProof(Keccak256 receiptId, Keccak256 batchRoot, long batchId, List<Keccak256> proof) {
    public InclusionProof {
        Objects.requireNonNull(receiptId, "receiptId");
        Objects.requireNonNull(batchRoot, "batchRoot");
        proof = List.copyOf(proof);
        if (batchId < 0) throw new IllegalArgumentException("batchId must be >= 0, got " + batchId);
    }

    /** True when the path leads from {@code receiptId}'s leaf to {@code batchRoot} (offline, no chain). */
    public boolean holds() {
        return MerkleBatch.verify(batchRoot, receiptId, proof);
    }
}
