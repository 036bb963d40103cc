package io.verity.protocol.crypto;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.FixedBytes;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * An Ethereum secp256k1 signature in its 65-byte wire form {@code r ‖ s ‖ v}. Any 65 bytes can be wrapped,
 * because a verifier must be able to hold and report on a malformed signature; {@link #problem()} says what
 * is wrong with one, and {@link #recover} refuses it.
 */
public final class Signature extends FixedBytes {
    public static final int LENGTH = 65;

    private static final String LAYOUT = " (r ‖ s ‖ v)";

    private Signature(byte[] bytes) {
        super(bytes);
    }

    /** Wraps exactly 65 bytes (copied), well-formed or not. */
    public static Signature wrap(byte[] bytes) {
        return new Signature(copyOfLength(bytes, LENGTH, "a signature", LAYOUT));
    }

    /** Parses 0x + 130 hex digits. */
    public static Signature parse(String hex) {
        return new Signature(decodeHex(hex, LENGTH, "a signature", LAYOUT));
    }

    /**
     * @param v 27 or 28
     * @throws IllegalArgumentException when r or s does not fit 32 bytes or is negative
     */
    public static Signature of(BigInteger r, BigInteger s, int v) {
        if (r.signum() < 0 || r.bitLength() > 256) throw new IllegalArgumentException("r must be a uint256, got " + r);
        if (s.signum() < 0 || s.bitLength() > 256) throw new IllegalArgumentException("s must be a uint256, got " + s);
        if (v < 0 || v > 255) throw new IllegalArgumentException("v must be a byte, got " + v);
        byte[] b = new byte[LENGTH];
        System.arraycopy(Secp256k1.toBytes32(r), 0, b, 0, 32);
        System.arraycopy(Secp256k1.toBytes32(s), 0, b, 32, 32);
        b[64] = (byte) v;
        return new Signature(b);
    }

    public BigInteger r() {
        return new BigInteger(1, Arrays.copyOfRange(bytes, 0, 32));
    }

    public BigInteger s() {
        return new BigInteger(1, Arrays.copyOfRange(bytes, 32, 64));
    }

    public int v() {
        return bytes[64] & 0xff;
    }

    /** True when s <= n/2 (EIP-2); the malleable twin (r, n - s) is refused by Verity. */
    public boolean isLowS() {
        return s().compareTo(Secp256k1.HALF_N) <= 0;
    }

    /**
     * What makes this signature unusable, or null when r and s are in [1, n-1] and v is 27 or 28. High s is
     * reported separately by {@link #isLowS()}: it is well-formed for ecrecover but not accepted by Verity.
     */
    public String problem() {
        BigInteger r = r();
        BigInteger s = s();
        if (v() != 27 && v() != 28) return "v must be 27 or 28, got " + v();
        if (r.signum() == 0 || r.compareTo(Secp256k1.N) >= 0) return "r must be in [1, n-1], got 0x" + r.toString(16);
        if (s.signum() == 0 || s.compareTo(Secp256k1.N) >= 0) return "s must be in [1, n-1], got 0x" + s.toString(16);
        return null;
    }

    /**
     * ecrecover: the address whose key made this signature over {@code digest}. Accepts high s as the EVM
     * precompile does; callers that require EIP-2 check {@link #isLowS()}.
     *
     * @throws IllegalArgumentException when the signature is malformed ({@link #problem()}) or no public key
     *     recovers from it
     */
    public EvmAddress recover(Keccak256 digest) {
        String problem = problem();
        if (problem != null) throw new IllegalArgumentException("cannot recover a signer: " + problem);
        try {
            return Secp256k1.recoverAddress(digest, Arrays.copyOfRange(bytes, 0, 64), v() - 27);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot recover a signer: " + e.getMessage());
        }
    }
}
