package io.verity.attestation.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/** Evidence arrives as raw bytes, hex text or base64 text; this finds which and decodes it. */
public final class Encoding {
    private Encoding() {}

    /**
     * Hex (optionally 0x-prefixed) or base64 (standard or URL-safe, whitespace ignored) text is decoded; any other
     * input is returned as is. Hex wins when text is both, as real evidence never consists of hex digits only.
     */
    public static byte[] decodeText(byte[] input) {
        if (input.length == 0 || !printable(input)) return input;
        String s = new String(input, StandardCharsets.US_ASCII).replaceAll("\\s+", "");
        if (s.startsWith("0x") || s.startsWith("0X")) s = s.substring(2);
        if (s.isEmpty()) return input;
        if (s.length() % 2 == 0 && s.chars().allMatch(Encoding::isHex)) return HexFormat.of().parseHex(s);
        if (s.chars().allMatch(ch -> Character.isLetterOrDigit(ch) && ch < 128 || ch == '+' || ch == '/' || ch == '='
                || ch == '-' || ch == '_')) {
            try {
                return s.indexOf('-') >= 0 || s.indexOf('_') >= 0
                        ? Base64.getUrlDecoder().decode(s)
                        : Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                return input;
            }
        }
        return input;
    }

    private static boolean printable(byte[] b) {
        for (byte x : b) {
            int c = x & 0xff;
            if (c >= 0x7f || c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
        }
        return true;
    }

    private static boolean isHex(int c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
