/**
 * Merkle commitments: batches of receipt ids under one root, compatible with OpenZeppelin's
 * {@code StandardMerkleTree} and {@code MerkleProof.verify} (docs/protocol.md, "Batches"), and execution
 * traces ({@link io.verity.protocol.merkle.TraceTree}, opened by {@link io.verity.protocol.merkle.TraceProof}),
 * the layout DisputeGame checks.
 */
package io.verity.protocol.merkle;
