package io.verity.attestation.nitro;

import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict CBOR (RFC 8949) reader: definite and indefinite lengths, null/undefined, tags, floats. Items
 * become Long/BigInteger, byte[], String, List, LinkedHashMap, Boolean, Double, {@link #NULL},
 * {@link #UNDEFINED} or {@link Tagged}. Every length is checked against the remaining input before anything is
 * allocated, nesting is bounded, duplicate map keys are rejected; malformed input raises {@link CborException}.
 */
final class Cbor {
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "undefined";
        }
    };
    private static final int MAX_DEPTH = 32;
    private static final Object BREAK = new Object();

    record Tagged(long tag, Object item) {}

    static final class CborException extends Exception {
        CborException(String message) {
            super(message, null, false, false);
        }
    }

    private final byte[] in;
    private int pos;

    private Cbor(byte[] in, int pos) {
        this.in = in;
        this.pos = pos;
    }

    /** Decodes exactly one item spanning all of {@code in}. */
    static Object decodeAll(byte[] in) throws CborException {
        Cbor c = new Cbor(in, 0);
        Object item = c.item(0);
        if (item == BREAK) throw new CborException("unexpected break byte 0xff at offset 0");
        if (c.pos != in.length) {
            throw new CborException("expected one CBOR item spanning all " + in.length + " bytes, but "
                    + (in.length - c.pos) + " bytes follow it at offset " + c.pos);
        }
        return item;
    }

    private int u8() throws CborException {
        if (pos >= in.length) throw new CborException("truncated: needed a byte at offset " + pos);
        return in[pos++] & 0xff;
    }

    private long argument(int info) throws CborException {
        if (info < 24) return info;
        int n = switch (info) {
            case 24 -> 1;
            case 25 -> 2;
            case 26 -> 4;
            case 27 -> 8;
            default -> throw new CborException("reserved additional information " + info + " at offset " + (pos - 1));
        };
        long v = 0;
        for (int i = 0; i < n; i++) v = v << 8 | u8();
        return v; // may be negative for 8-byte values >= 2^63: callers treat that as too large
    }

    private int length(long declared, String what) throws CborException {
        if (declared < 0 || declared > in.length - pos) {
            String unit = what.equals("array") ? " items" : " bytes";
            throw new CborException(what + " declares " + Long.toUnsignedString(declared) + unit + " at offset " + pos
                    + " but only " + (in.length - pos) + " bytes remain");
        }
        return (int) declared;
    }

    private Object item(int depth) throws CborException {
        if (depth > MAX_DEPTH) throw new CborException("nesting deeper than " + MAX_DEPTH + " at offset " + pos);
        int start = pos;
        int ib = u8();
        int major = ib >>> 5;
        int info = ib & 0x1f;
        if (ib == 0xff) return BREAK;
        switch (major) {
            case 0 -> {
                long v = argument(info);
                return v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
            }
            case 1 -> {
                long v = argument(info);
                return v >= 0 ? (Object) (-1 - v) : new BigInteger(Long.toUnsignedString(v)).negate().subtract(BigInteger.ONE);
            }
            case 2, 3 -> {
                byte[] bytes;
                if (info == 31) {
                    var out = new java.io.ByteArrayOutputStream();
                    while (true) {
                        if (pos < in.length && (in[pos] & 0xff) == 0xff) {
                            pos++;
                            break;
                        }
                        int cb = u8();
                        if (cb >>> 5 != major || (cb & 0x1f) == 31) {
                            throw new CborException("indefinite string chunk of wrong type at offset " + (pos - 1));
                        }
                        int n = length(argument(cb & 0x1f), "string chunk");
                        out.write(in, pos, n);
                        pos += n;
                    }
                    bytes = out.toByteArray();
                } else {
                    int n = length(argument(info), major == 2 ? "byte string" : "text string");
                    bytes = Arrays.copyOfRange(in, pos, pos + n);
                    pos += n;
                }
                return major == 2 ? bytes : utf8(bytes, start);
            }
            case 4 -> {
                List<Object> list = new ArrayList<>();
                if (info == 31) {
                    while (true) {
                        Object e = item(depth + 1);
                        if (e == BREAK) break;
                        list.add(e);
                    }
                } else {
                    int n = length(argument(info), "array"); // each element takes at least one byte
                    for (int i = 0; i < n; i++) list.add(element(depth));
                }
                return list;
            }
            case 5 -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                if (info == 31) {
                    while (true) {
                        int keyAt = pos;
                        Object k = item(depth + 1);
                        if (k == BREAK) break;
                        put(map, k, element(depth), keyAt);
                    }
                } else {
                    long n = argument(info);
                    if (n < 0 || n > (in.length - pos) / 2) {
                        throw new CborException("map declares " + Long.toUnsignedString(n) + " entries at offset " + pos
                                + " but only " + (in.length - pos) + " bytes remain");
                    }
                    for (long i = 0; i < n; i++) {
                        int keyAt = pos;
                        put(map, element(depth), element(depth), keyAt);
                    }
                }
                return map;
            }
            case 6 -> {
                long tag = argument(info);
                return new Tagged(tag, element(depth));
            }
            default -> {
                return simple(info);
            }
        }
    }

    private Object element(int depth) throws CborException {
        int at = pos;
        Object e = item(depth + 1);
        if (e == BREAK) throw new CborException("unexpected break byte 0xff at offset " + at);
        return e;
    }

    private static void put(Map<Object, Object> map, Object key, Object value, int keyAt) throws CborException {
        Object k = key instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : key;
        if (map.containsKey(k)) throw new CborException("duplicate map key " + k + " at offset " + keyAt);
        map.put(k, value);
    }

    private Object simple(int info) throws CborException {
        switch (info) {
            case 20 -> {
                return Boolean.FALSE;
            }
            case 21 -> {
                return Boolean.TRUE;
            }
            case 22 -> {
                return NULL;
            }
            case 23 -> {
                return UNDEFINED;
            }
            case 24 -> {
                return "simple(" + u8() + ")";
            }
            case 25 -> {
                int h = u8() << 8 | u8();
                return (double) Float.float16ToFloat((short) h);
            }
            case 26 -> {
                return (double) Float.intBitsToFloat((int) argument(26));
            }
            case 27 -> {
                return Double.longBitsToDouble(argument(27));
            }
            default -> {
                if (info < 20) return "simple(" + info + ")";
                throw new CborException("reserved simple value " + info + " at offset " + (pos - 1));
            }
        }
    }

    private static String utf8(byte[] bytes, int at) throws CborException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CborException("text string at offset " + at + " is not valid UTF-8");
        }
    }

    /** CBOR encoding of a byte string header + content, for building the COSE Sig_structure. */
    static void writeBytes(java.io.ByteArrayOutputStream out, int major, byte[] content) {
        int len = content.length;
        int mt = major << 5;
        if (len < 24) {
            out.write(mt | len);
        } else if (len < 0x100) {
            out.write(mt | 24);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(mt | 25);
            out.write(len >>> 8);
            out.write(len);
        } else {
            out.write(mt | 26);
            out.write(len >>> 24);
            out.write(len >>> 16);
            out.write(len >>> 8);
            out.write(len);
        }
        out.write(content, 0, len);
    }
}
