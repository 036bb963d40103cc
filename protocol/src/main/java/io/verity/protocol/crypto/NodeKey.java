package io.verity.protocol.crypto;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Function;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A secp256k1 private key and its Ethereum address. Signatures are deterministic (RFC 6979 with
 * HMAC-SHA256, as ethers and most wallets sign), low-s, with v in {27, 28}: the same key and digest give
 * the same 65 bytes as {@code ethers.SigningKey.sign}. Thread-safe; {@link #toString()} shows only the
 * address.
 */
public final class NodeKey {
    private final BigInteger privateKey;
    private final ECPoint publicKey;
    private final EvmAddress address;

    private NodeKey(BigInteger privateKey) {
        if (privateKey.signum() <= 0 || privateKey.compareTo(Secp256k1.N) >= 0) {
            throw new IllegalArgumentException("a secp256k1 private key must be in [1, n-1]");
        }
        this.privateKey = privateKey;
        this.publicKey = Secp256k1.publicPoint(privateKey);
        this.address = Secp256k1.address(publicKey);
    }

    /** A fresh random key. */
    public static NodeKey generate(SecureRandom random) {
        while (true) {
            byte[] b = new byte[32];
            random.nextBytes(b);
            BigInteger d = new BigInteger(1, b);
            if (d.signum() > 0 && d.compareTo(Secp256k1.N) < 0) return new NodeKey(d);
        }
    }

    /**
     * @param privateKey exactly 32 bytes, big-endian
     * @throws IllegalArgumentException when the length is wrong or the value is not in [1, n-1] (the message
     *     never repeats the key)
     */
    public static NodeKey fromPrivateKey(byte[] privateKey) {
        if (privateKey == null || privateKey.length != 32) {
            throw new IllegalArgumentException("a private key must be 32 bytes, got "
                    + (privateKey == null ? "null" : privateKey.length));
        }
        return new NodeKey(new BigInteger(1, privateKey));
    }

    /** @param hex 64 hex digits, with or without 0x */
    public static NodeKey fromPrivateKey(String hex) {
        byte[] b;
        try {
            b = Hex.decode(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a private key must be 64 hex digits"); // don't echo the key
        }
        return fromPrivateKey(b);
    }

    public EvmAddress address() {
        return address;
    }

    /** The uncompressed public key, 64 bytes x ‖ y. */
    public byte[] publicKey() {
        byte[] enc = publicKey.getEncoded(false);
        return Arrays.copyOfRange(enc, 1, 65);
    }

    /** The 32 private key bytes, for writing a key file; handle with care. */
    public byte[] privateKeyBytes() {
        return Secp256k1.toBytes32(privateKey);
    }

    /** Signs a 32-byte digest (no prefix is added): deterministic, low-s, v in {27, 28}. */
    public Signature sign(Keccak256 digest) {
        return sign(digest, Secp256k1::multiplyGenerator);
    }

    /**
     * ECDSA with k·G from {@code multiplyGenerator} (0x04 ‖ x ‖ y): libsecp256k1 or BouncyCastle, which give
     * the same bytes ({@code SigningAgreementTest}).
     */
    Signature sign(Keccak256 digest, Function<BigInteger, byte[]> multiplyGenerator) {
        // ECDSA written out (rather than libsecp256k1's or BouncyCastle's signer) because v needs R's y parity,
        // which neither signer exposes (secp256k1-kmp has no recoverable sign); recovering it afterwards would
        // cost a second signature's worth of point arithmetic. k·G is nearly all the cost, so it runs natively.
        byte[] message = digest.toArray();
        BigInteger n = Secp256k1.N;
        BigInteger e = new BigInteger(1, message); // 256-bit digest, 256-bit n: no truncation
        HMacDSAKCalculator kCalculator = new HMacDSAKCalculator(new SHA256Digest());
        kCalculator.init(n, privateKey, message);
        while (true) {
            BigInteger k = kCalculator.nextK();
            byte[] bigR = multiplyGenerator.apply(k);
            BigInteger x = new BigInteger(1, Arrays.copyOfRange(bigR, 1, 33));
            BigInteger r = x.mod(n);
            if (r.signum() == 0 || !r.equals(x)) continue; // r == 0, or x >= n (p. 2^-128): v could not say so
            BigInteger s = k.modInverse(n).multiply(e.add(privateKey.multiply(r))).mod(n);
            if (s.signum() == 0) continue;
            int recId = bigR[64] & 1;
            if (s.compareTo(Secp256k1.HALF_N) > 0) { // EIP-2 low s: (r, n - s) is the signature with -R
                s = n.subtract(s);
                recId ^= 1;
            }
            return Signature.of(r, s, 27 + recId);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeKey k && privateKey.equals(k.privateKey);
    }

    @Override
    public int hashCode() {
        return address.hashCode();
    }

    @Override
    public String toString() {
        return "NodeKey[" + address + "]";
    }
}
