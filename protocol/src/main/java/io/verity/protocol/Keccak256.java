package io.verity.protocol;

import org.bouncycastle.jcajce.provider.digest.Keccak;

/**
 * A 32-byte Keccak-256 digest (Ethereum's keccak256, not NIST SHA3-256). Also used as the type of any
 * bytes32 value on the wire (request ids, Merkle roots), since they all print and compare the same way.
 */
public final class Keccak256 extends FixedBytes implements Comparable<Keccak256> {
    public static final int LENGTH = 32;
    public static final Keccak256 ZERO = new Keccak256(new byte[LENGTH]);

    private Keccak256(byte[] bytes) {
        super(bytes);
    }

    /** Wraps exactly 32 bytes (copied). */
    public static Keccak256 wrap(byte[] bytes) {
        return new Keccak256(copyOfLength(bytes, LENGTH, "a bytes32 value", ""));
    }

    /** Parses 0x-prefixed (or bare) hex of exactly 64 digits. */
    public static Keccak256 parse(String hex) {
        return new Keccak256(decodeHex(hex, LENGTH, "a bytes32 value", ""));
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

    /** Hands the internal array to code in this package that promises not to change it. */
    byte[] unsafeArray() {
        return bytes;
    }

    public boolean isZero() {
        return equals(ZERO);
    }

    @Override
    public int compareTo(Keccak256 o) {
        return compareBytes(o);
    }
}
