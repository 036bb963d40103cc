package io.verity.protocol;

import java.util.Arrays;

/**
 * What every fixed-length byte value shares (addresses, bytes32 values, signatures): the length is checked where
 * one is made, arrays are copied in and out, values are equal when class and content are, and print as 0x-hex.
 */
public abstract class FixedBytes {
    /** Owned by this value: never handed out, never changed. */
    protected final byte[] bytes;

    /** Takes ownership of {@code bytes}, which must already be a private copy of the right length. */
    protected FixedBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * A copy of {@code bytes}, checked to be {@code length} long.
     *
     * @param what the value and its layout, as a message starts: "a signature", "a bytes32 value"
     */
    protected static byte[] copyOfLength(byte[] bytes, int length, String what, String layout) {
        if (bytes == null || bytes.length != length) {
            throw new IllegalArgumentException(what + " must be " + length + " bytes" + layout + ", got "
                    + (bytes == null ? "null" : bytes.length));
        }
        return bytes.clone();
    }

    /** Decodes 0x-prefixed (or bare) hex of exactly {@code 2 * length} digits; the message names what arrived. */
    protected static byte[] decodeHex(String hex, int length, String what, String layout) {
        byte[] b = Hex.decode(hex);
        if (b.length != length) {
            throw new IllegalArgumentException(what + " must be " + length * 2 + " hex digits" + layout + ", got "
                    + b.length * 2 + ": " + Hex.abbreviate(hex));
        }
        return b;
    }

    public final byte[] toArray() {
        return bytes.clone();
    }

    public final String toHex() {
        return Hex.encode(bytes);
    }

    /** Unsigned lexicographic order, for the subclasses that are {@link Comparable}. */
    protected final int compareBytes(FixedBytes o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && Arrays.equals(bytes, ((FixedBytes) o).bytes);
    }

    @Override
    public final int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
