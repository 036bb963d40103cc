package io.verity.protocol.crypto;

import io.verity.protocol.Keccak256;
import java.util.Arrays;

/**
 * Public-key recovery and signing's k·G with libsecp256k1 (bitcoin-core's C library, through ACINQ's JNI
 * binding secp256k1-kmp), several times faster than BouncyCastle's (docs/benchmarks.md, "Signing and
 * public-key recovery"). The native library is unpacked and loaded once; when it cannot load (another OS or
 * CPU, no temp directory, or {@code -Dverity.secp256k1=bouncycastle}) {@link #available()} is false and
 * {@link Secp256k1} uses BouncyCastle alone. Both give the same key for every signature
 * ({@code RecoveryAgreementTest}) and the same signatures ({@code SigningAgreementTest}).
 */
final class Libsecp256k1 {
    /** System property: {@code bouncycastle} turns the native library off. */
    static final String PROPERTY = "verity.secp256k1";

    private static final fr.acinq.secp256k1.Secp256k1 NATIVE = load();

    private Libsecp256k1() {}

    private static fr.acinq.secp256k1.Secp256k1 load() {
        if ("bouncycastle".equalsIgnoreCase(System.getProperty(PROPERTY, ""))) return null;
        try {
            return fr.acinq.secp256k1.Secp256k1JvmKt.getSecpk256k1();
        } catch (RuntimeException | LinkageError e) { // no native build for this platform, or it failed to load
            return null;
        }
    }

    static boolean available() {
        return NATIVE != null;
    }

    /** k·G as 0x04 ‖ x ‖ y for {@code k} (32 bytes, in [1, n-1]), or null when the native library is not loaded. */
    static byte[] multiplyGenerator(byte[] k) {
        if (NATIVE == null) return null;
        try {
            return NATIVE.pubkeyCreate(k);
        } catch (RuntimeException e) { // k out of range: not for a k from RFC 6979; BouncyCastle then decides
            return null;
        }
    }

    /**
     * The 64-byte public key x ‖ y that made {@code rs} (r ‖ s, 64 bytes, both in [1, n-1]) over
     * {@code digest} with R's y parity {@code recId}, or null when the native library is not loaded or
     * refuses the signature (the caller then asks BouncyCastle, which says why).
     */
    static byte[] recover(Keccak256 digest, byte[] rs, int recId) {
        if (NATIVE == null) return null;
        try {
            byte[] uncompressed = NATIVE.ecdsaRecover(rs, digest.toArray(), recId); // 0x04 ‖ x ‖ y
            return Arrays.copyOfRange(uncompressed, 1, 65);
        } catch (RuntimeException e) { // Secp256k1Exception: no curve point for r, or the key is infinity
            return null;
        }
    }
}
