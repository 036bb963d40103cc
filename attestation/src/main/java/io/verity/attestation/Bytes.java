package io.verity.attestation;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable byte string compared by content and printed as 0x-hex: measurements, report data, nonces,
 * keys. Arrays are copied in and out.
 */
public final class Bytes {
    private static final HexFormat HEX = HexFormat.of();
    private final byte[] bytes;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Bytes of(byte[] bytes) {
        if (bytes == null) throw new IllegalArgumentException("bytes must not be null");
        return new Bytes(bytes.clone());
    }

    /** Copies {@code length} bytes of {@code src} from {@code offset}. */
    public static Bytes of(byte[] src, int offset, int length) {
        return new Bytes(Arrays.copyOfRange(src, offset, offset + length));
    }

    /**
     * Parses hex with or without a 0x prefix, upper or lower case.
     *
     * @throws IllegalArgumentException naming the input when it is not even-length hex
     */
    public static Bytes ofHex(String hex) {
        if (hex == null) throw new IllegalArgumentException("hex must not be null");
        String body = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        if (body.length() % 2 != 0) {
            throw new IllegalArgumentException("hex must have an even number of digits, got " + body.length());
        }
        try {
            return new Bytes(HEX.parseHex(body));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a hex string: "
                    + (hex.length() <= 80 ? hex : hex.substring(0, 77) + "..."), e);
        }
    }

    public byte[] toArray() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    public boolean isAllZero() {
        for (byte b : bytes) if (b != 0) return false;
        return true;
    }

    public boolean startsWith(Bytes prefix) {
        return prefix.bytes.length <= bytes.length
                && Arrays.equals(bytes, 0, prefix.bytes.length, prefix.bytes, 0, prefix.bytes.length);
    }

    /** Lower-case hex without prefix. */
    public String hex() {
        return HEX.formatHex(bytes);
    }

    /** Constant-time comparison, for nonces and bindings. */
    public boolean contentEquals(Bytes other) {
        return MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "0x" + hex();
    }
}
