/**
 * Receipts: what a node signs for each answer (docs/protocol.md, "Receipt (EIP-712)").
 *
 * <p>{@link io.verity.protocol.receipt.Receipt} is the EIP-712 struct, {@link io.verity.protocol.receipt.Eip712Domain}
 * the domain, {@link io.verity.protocol.receipt.SignedReceipt} the pair with the node's signature. The receipt id is
 * the EIP-712 digest, so {@code ethers.TypedDataEncoder.hash} and {@code ethers.verifyTypedData} agree with this
 * package (checked against golden vectors and live by the interop tests). Verification returns a sealed
 * {@link io.verity.protocol.receipt.ReceiptVerdict}; it throws only for programming errors.
 *
 * <p>All types are immutable and thread-safe; null is rejected everywhere.
 */
package io.verity.protocol.receipt;
