package io.verity.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** A 20-byte Ethereum account address; prints in EIP-55 checksum form. */
public final class EvmAddress implements Comparable<EvmAddress> {
    public static final int LENGTH = 20;
    public static final EvmAddress ZERO = new EvmAddress(new byte[LENGTH]);

    private final byte[] bytes;

    private EvmAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    public static EvmAddress wrap(byte[] bytes) {
        if (bytes == null || bytes.length != LENGTH) {
            throw new IllegalArgumentException(
                    "an address must be 20 bytes, got " + (bytes == null ? "null" : bytes.length));
        }
        return new EvmAddress(bytes.clone());
    }

    /**
     * Parses 0x + 40 hex digits. Mixed-case input must carry a valid EIP-55 checksum, as wallets expect;
     * all-lower or all-upper input is accepted as is.
     */
    public static EvmAddress parse(String hex) {
        byte[] b = Hex.decode(hex);
        if (b.length != LENGTH) {
            throw new IllegalArgumentException(
                    "an address must be 40 hex digits, got " + b.length * 2 + ": " + Hex.abbreviate(hex));
        }
        EvmAddress a = new EvmAddress(b);
        String body = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        boolean mixed = !body.equals(body.toLowerCase()) && !body.equals(body.toUpperCase());
        if (mixed && !a.toString().substring(2).equals(body)) {
            throw new IllegalArgumentException("address has a wrong EIP-55 checksum: " + hex);
        }
        return a;
    }

    /** The address of an uncompressed secp256k1 public key (64 bytes x||y, without the 0x04 prefix). */
    public static EvmAddress fromPublicKey(byte[] xy) {
        if (xy.length != 64) {
            throw new IllegalArgumentException("public key must be 64 bytes (x||y), got " + xy.length);
        }
        byte[] h = Keccak256.hash(xy).unsafeArray();
        return new EvmAddress(Arrays.copyOfRange(h, 12, 32));
    }

    public byte[] toArray() {
        return bytes.clone();
    }

    /** EIP-55 mixed-case checksum encoding. */
    @Override
    public String toString() {
        String lower = HexFormat.of().formatHex(bytes);
        byte[] h = Keccak256.hash(lower.getBytes(StandardCharsets.US_ASCII)).unsafeArray();
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            int nibble = (h[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf;
            sb.append(nibble >= 8 ? Character.toUpperCase(c) : c);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EvmAddress a && Arrays.equals(bytes, a.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(EvmAddress o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }
}
