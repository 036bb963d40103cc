/**
 * The two EIP-712 structs Verity signs: receipts, what a node signs for each answer (docs/protocol.md,
 * "Receipt (EIP-712)"), and vouchers, what a client signs to pay a node ({@link io.verity.protocol.receipt.Voucher},
 * {@link io.verity.protocol.receipt.SignedVoucher}; "Vouchers"). The one EIP-712 encoder is here; the chain
 * module only ABI-encodes these types.
 *
 * <p>{@link io.verity.protocol.receipt.Receipt} is the EIP-712 struct, {@link io.verity.protocol.receipt.Eip712Domain}
 * the domain, {@link io.verity.protocol.receipt.SignedReceipt} the pair with the node's signature. A format-2
 * receipt carries {@link io.verity.protocol.receipt.ReceiptV2} (requested and served model, usage, payment,
 * predecessor, attachments) and is signed as the EIP-712 struct ReceiptV2, which nests the v1 struct; both verify. The receipt id is
 * the EIP-712 digest, so {@code ethers.TypedDataEncoder.hash} and {@code ethers.verifyTypedData} agree with this
 * package (checked against golden vectors and live by the interop tests). Verification returns a sealed
 * {@link io.verity.protocol.receipt.ReceiptVerdict}; it throws only for programming errors.
 *
 * <p>All types are immutable and thread-safe; null is rejected everywhere.
 */
package io.verity.protocol.receipt;
