package io.verity.protocol.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * RFC 8785 JSON Canonicalization Scheme: the one byte form of a JSON value that two parties hash alike.
 * Object members sorted by their names' UTF-16 code units; no whitespace; strings escaped minimally
 * ({@code \"}, {@code \\}, {@code \b \f \n \r \t}, other controls as lower-case {@code \}{@code u00xx});
 * numbers as IEEE 754 doubles printed the way ECMAScript's {@code Number.prototype.toString} does.
 *
 * <p>Numbers are doubles, as RFC 8785 (via I-JSON) requires: an integer beyond 2^53 loses precision. NaN
 * and infinities have no JSON form and are refused; so is a string with an unpaired surrogate, which has no
 * UTF-8 form. Parse input with duplicate-key detection on: a tree cannot show a duplicate any more.
 */
public final class Jcs {
    private Jcs() {}

    /** The canonical UTF-8 bytes of {@code value}. @throws IllegalArgumentException on NaN, infinity or a lone surrogate */
    public static byte[] canonicalize(JsonNode value) {
        return canonicalString(value).getBytes(StandardCharsets.UTF_8);
    }

    public static String canonicalString(JsonNode value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(JsonNode v, StringBuilder out) {
        switch (v.getNodeType()) {
            case NULL -> out.append("null");
            case BOOLEAN -> out.append(v.booleanValue());
            case NUMBER -> out.append(number(v.doubleValue()));
            case STRING -> string(v.textValue(), out);
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < v.size(); i++) {
                    if (i > 0) out.append(',');
                    write(v.get(i), out);
                }
                out.append(']');
            }
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) members.add(it.next());
                members.sort(Map.Entry.comparingByKey()); // String.compareTo compares UTF-16 code units, as 3.2.3 asks
                out.append('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) out.append(',');
                    string(members.get(i).getKey(), out);
                    out.append(':');
                    write(members.get(i).getValue(), out);
                }
                out.append('}');
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + v.getNodeType());
        }
    }

    /** ECMAScript Number::toString for a finite double (ECMA-262 7.1.12.1), e.g. 1e+21, 0.000001, 1e-7. */
    public static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("JSON has no form for " + d);
        if (d == 0) return "0"; // also -0
        String sign = d < 0 ? "-" : "";
        // Double.toString gives the shortest digits that round-trip (JDK 19+), as ECMAScript requires.
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        if (bd.precision() == 2) {
            // Java never prints fewer than 2 digits (4.9E-324); ECMAScript takes 1 when one round-trips (5e-324).
            BigDecimal one = new BigDecimal(Math.abs(d)).round(new MathContext(1, RoundingMode.HALF_EVEN));
            if (one.doubleValue() == Math.abs(d)) bd = one.stripTrailingZeros();
        }
        String digits = bd.unscaledValue().toString();
        int k = digits.length();
        int n = k - bd.scale(); // value = 0.digits × 10^n
        StringBuilder s = new StringBuilder(sign);
        if (k <= n && n <= 21) {
            s.append(digits).append("0".repeat(n - k));
        } else if (0 < n && n <= 21) {
            s.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            s.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            s.append(digits.charAt(0));
            if (k > 1) s.append('.').append(digits, 1, k);
            s.append('e').append(n - 1 >= 0 ? "+" : "-").append(Math.abs(n - 1));
        }
        return s.toString();
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
                continue;
            }
            if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("string has an unpaired surrogate at index " + i + "; it has no UTF-8 form");
            }
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
