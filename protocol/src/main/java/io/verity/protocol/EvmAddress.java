package io.verity.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** A 20-byte Ethereum account address; prints in EIP-55 checksum form. */
public final class EvmAddress extends FixedBytes implements Comparable<EvmAddress> {
    public static final int LENGTH = 20;
    public static final EvmAddress ZERO = new EvmAddress(new byte[LENGTH]);

    private EvmAddress(byte[] bytes) {
        super(bytes);
    }

    public static EvmAddress wrap(byte[] bytes) {
        return new EvmAddress(copyOfLength(bytes, LENGTH, "an address", ""));
    }

    /**
     * Parses 0x + 40 hex digits. Mixed-case input must carry a valid EIP-55 checksum, as wallets expect;
     * all-lower or all-upper input is accepted as is.
     */
    public static EvmAddress parse(String hex) {
        EvmAddress a = new EvmAddress(decodeHex(hex, LENGTH, "an address", ""));
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
    public int compareTo(EvmAddress o) {
        return compareBytes(o);
    }
}
