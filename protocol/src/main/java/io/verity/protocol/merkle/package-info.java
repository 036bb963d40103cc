/**
 * Batches of receipt ids under one Merkle root, compatible with OpenZeppelin's {@code StandardMerkleTree} and
 * {@code MerkleProof.verify} (docs/protocol.md, "Batches").
 */
package io.verity.protocol.merkle;
