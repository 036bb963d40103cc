package io.verity.protocol;

import java.util.Arrays;
import org.bouncycastle.jcajce.provider.digest.Keccak;

/**
 * A 32-byte Keccak-256 digest (Ethereum's keccak256, not NIST SHA3-256). Also used as the type of any
 * bytes32 value on the wire (request ids, Merkle roots), since they all print and compare the same way.
 */
public final class Keccak256 implements Comparable<Keccak256> {
    public static final int LENGTH = 32;
    public static final Keccak256 ZERO = new Keccak256(new byte[LENGTH]);

    private final byte[] bytes;

    private Keccak256(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps exactly 32 bytes (copied). */
    public static Keccak256 wrap(byte[] bytes) {
        if (bytes == null || bytes.length != LENGTH) {
            throw new IllegalArgumentException(
                    "a bytes32 value must be 32 bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        return new Keccak256(bytes.clone());
    }

    /** Parses 0x-prefixed (or bare) hex of exactly 64 digits. */
    public static Keccak256 parse(String hex) {
        byte[] b = Hex.decode(hex);
        if (b.length != LENGTH) {
            throw new IllegalArgumentException(
                    "a bytes32 value must be 64 hex digits, got " + b.length * 2 + ": " + Hex.abbreviate(hex));
        }
        return new Keccak256(b);
    }

    /** keccak256 of the given bytes. */
    public static Keccak256 hash(byte[] data) {
        return new Keccak256(new Keccak.Digest256().digest(data));
    }

    /** keccak256 of the concatenation of the given parts, without building the concatenation. */
    public static Keccak256 hash(byte[]... parts) {
        Keccak.Digest256 d = new Keccak.Digest256();
        for (byte[] p : parts) d.update(p);
        return new Keccak256(d.digest());
    }

    public byte[] toArray() {
        return bytes.clone();
    }

    /** Hands the internal array to code in this package that promises not to change it. */
    byte[] unsafeArray() {
        return bytes;
    }

    public boolean isZero() {
        return equals(ZERO);
    }

    public String toHex() {
        return Hex.encode(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Keccak256 k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(Keccak256 o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
