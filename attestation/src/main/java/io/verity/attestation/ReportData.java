package io.verity.attestation;

/**
 * Verity's layout of the 64-byte TDX/SGX/SEV-SNP {@code report_data}, the producer's side of
 * {@link Policy#keyBinding()} and {@link Policy#nonce()}: bytes [0, 32) carry the key binding (e.g. keccak256 of
 * the node's receipt-signing public key, or its 20-byte address) left-aligned and zero-padded, bytes [32, 64) the
 * verifier's nonce likewise. A node asks its TEE for a report over {@link #of} and a verifier checks it with
 * {@code Policy.defaults().withKeyBinding(key).withNonce(nonce)}.
 */
public final class ReportData {
    public static final int LENGTH = 64;

    private ReportData() {}

    /**
     * @throws IllegalArgumentException when the binding or the nonce is longer than 32 bytes
     */
    public static Bytes of(Bytes keyBinding, Bytes nonce) {
        if (keyBinding.length() > 32) {
            throw new IllegalArgumentException("keyBinding must be at most 32 bytes, got " + keyBinding.length());
        }
        if (nonce.length() > 32) throw new IllegalArgumentException("nonce must be at most 32 bytes, got " + nonce.length());
        byte[] out = new byte[LENGTH];
        System.arraycopy(keyBinding.toArray(), 0, out, 0, keyBinding.length());
        System.arraycopy(nonce.toArray(), 0, out, 32, nonce.length());
        return Bytes.of(out);
    }
}
