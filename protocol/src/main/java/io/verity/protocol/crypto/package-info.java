/**
 * secp256k1 keys and Ethereum signatures on BouncyCastle (no web3j): {@link io.verity.protocol.crypto.NodeKey}
 * signs 32-byte digests deterministically (RFC 6979, low s, v in {27, 28}), byte-identical to ethers;
 * {@link io.verity.protocol.crypto.Signature} is the 65-byte {@code r ‖ s ‖ v} and recovers its signer's address
 * (ecrecover). Immutable and thread-safe; private keys are never printed.
 */
package io.verity.protocol.crypto;
