package io.verity.protocol;

import java.util.HexFormat;

/** 0x-prefixed lower-case hex, the only textual form of bytes on Verity's wire. */
public final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    public static String encode(byte[] bytes) {
        return "0x" + HEX.formatHex(bytes);
    }

    /**
     * Decodes hex with or without the 0x prefix.
     *
     * @throws IllegalArgumentException naming the offending input when it is not even-length hex
     */
    public static byte[] decode(String hex) {
        if (hex == null) throw new IllegalArgumentException("hex string must not be null");
        String body = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        if (body.length() % 2 != 0) {
            throw new IllegalArgumentException("hex must have an even number of digits, got " + body.length());
        }
        try {
            return HEX.parseHex(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a hex string: " + abbreviate(hex), e);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
