package io.verity.protocol.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.Unicode;
import io.verity.protocol.crypto.Signature;
import java.util.function.Function;

/** Pointer-aware field readers shared by the codecs: each returns null after recording an error. */
final class Json {
    private Json() {}

    /** RFC 6901: the pointer of {@code name} inside the value at {@code pointer}. */
    static String child(String pointer, String name) {
        return pointer + "/" + name.replace("~", "~0").replace("/", "~1");
    }

    static String child(String pointer, int index) {
        return pointer + "/" + index;
    }

    /** A short rendering of the rejected value for messages. */
    static String show(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        String s = v.isTextual() ? "'" + v.textValue() + "'" : v.toString();
        return s.length() <= 140 ? s : s.substring(0, 137) + "..."; // a full signature or uint256 still fits
    }

    static JsonNode required(JsonNode obj, String pointer, String field, FieldErrors errors) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            errors.add(child(pointer, field), "is required");
            return null;
        }
        return v;
    }

    static boolean requireObject(JsonNode node, String pointer, String what, FieldErrors errors) {
        if (node != null && node.isObject()) return true;
        errors.add(pointer, "must be " + what + " object, got " + show(node));
        return false;
    }

    static String string(JsonNode obj, String pointer, String field, FieldErrors errors) {
        JsonNode v = required(obj, pointer, field, errors);
        if (v == null) return null;
        if (!v.isTextual()) {
            errors.add(child(pointer, field), "must be a string, got " + show(v));
            return null;
        }
        if (!Unicode.isWellFormed(v.textValue())) {
            errors.add(child(pointer, field), "must be valid Unicode, got an unpaired surrogate");
            return null;
        }
        return v.textValue();
    }

    static String nonEmptyString(JsonNode obj, String pointer, String field, FieldErrors errors) {
        String s = string(obj, pointer, field, errors);
        if (s != null && s.isEmpty()) {
            errors.add(child(pointer, field), "must not be empty");
            return null;
        }
        return s;
    }

    /** An integer within [min, max], as a long. */
    static Long integer(JsonNode obj, String pointer, String field, long min, long max, FieldErrors errors) {
        JsonNode v = required(obj, pointer, field, errors);
        if (v == null) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            errors.add(child(pointer, field), "must be an integer between " + min + " and " + max + ", got " + show(v));
            return null;
        }
        return v.longValue();
    }

    /**
     * A string field naming a value (an enum's wire name): {@code byName} maps it, and the IllegalArgumentException
     * it throws for an unknown name (listing the known ones) becomes the field's error.
     */
    /** A string field of exactly 0x and {@code digits} hex digits, else null and "must be {@code expected}" recorded. */
    private static String hexDigits(JsonNode obj, String pointer, String field, int digits, String expected, FieldErrors errors) {
        String s = string(obj, pointer, field, errors);
        if (s == null) return null;
        if (!isHex(s, digits)) {
            errors.add(child(pointer, field), "must be " + expected + ", got " + show(obj.get(field)));
            return null;
        }
        return s;
    }

    /** 0x and exactly {@code digits} hex digits; a loop, not a regex compiled per call (every receipt has eight). */
    private static boolean isHex(String s, int digits) {
        if (s.length() != digits + 2 || s.charAt(0) != '0' || s.charAt(1) != 'x') return false;
        for (int i = 2; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
        }
        return true;
    }

        static <T> T named(JsonNode obj, String pointer, String field, Function<String, T> byName, FieldErrors errors) {
        String s = string(obj, pointer, field, errors);
        if (s == null) return null;
        try {
            return byName.apply(s);
        } catch (IllegalArgumentException e) {
            errors.add(child(pointer, field), e.getMessage());
            return null;
        }
    }

    static Keccak256 bytes32(JsonNode obj, String pointer, String field, FieldErrors errors) {
        String s = hexDigits(obj, pointer, field, 64, "0x and 64 hex digits", errors);
        return s == null ? null : Keccak256.parse(s);
    }

    /** A 65-byte r ‖ s ‖ v signature, well-formed or not (verifiers report on malformed ones). */
    static Signature signature(JsonNode obj, String pointer, String field, FieldErrors errors) {
        String s = hexDigits(obj, pointer, field, 130, "0x and 130 hex digits (r ‖ s ‖ v)", errors);
        return s == null ? null : Signature.parse(s);
    }

    static EvmAddress address(JsonNode obj, String pointer, String field, FieldErrors errors) {
        String s = hexDigits(obj, pointer, field, 40, "an address, 0x and 40 hex digits", errors);
        if (s == null) return null;
        try {
            return EvmAddress.parse(s);
        } catch (IllegalArgumentException e) {
            errors.add(child(pointer, field), "must carry a valid EIP-55 checksum (or be all lower case), got " + s);
            return null;
        }
    }
}
