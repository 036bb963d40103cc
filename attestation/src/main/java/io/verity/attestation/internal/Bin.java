package io.verity.attestation.internal;

import io.verity.attestation.Step;

/** Bounds-checked little-endian reads over a byte array; out-of-range reads fail at {@link Step#PARSE}. */
public final class Bin {
    private Bin() {}

    public static void need(byte[] b, int offset, int length, String field) {
        if (offset < 0 || length < 0 || (long) offset + length > b.length) {
            throw new Failure(Step.PARSE, field + " needs bytes [" + offset + ", " + ((long) offset + length)
                    + ") but the input has " + b.length);
        }
    }

    public static int u8(byte[] b, int offset, String field) {
        need(b, offset, 1, field);
        return b[offset] & 0xff;
    }

    public static int u16(byte[] b, int offset, String field) {
        need(b, offset, 2, field);
        return (b[offset] & 0xff) | (b[offset + 1] & 0xff) << 8;
    }

    public static int u24(byte[] b, int offset, String field) {
        need(b, offset, 3, field);
        return (b[offset] & 0xff) | (b[offset + 1] & 0xff) << 8 | (b[offset + 2] & 0xff) << 16;
    }

    public static long u32(byte[] b, int offset, String field) {
        need(b, offset, 4, field);
        return (b[offset] & 0xffL) | (b[offset + 1] & 0xffL) << 8 | (b[offset + 2] & 0xffL) << 16
                | (b[offset + 3] & 0xffL) << 24;
    }

    public static long u64(byte[] b, int offset, String field) {
        need(b, offset, 8, field);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | (b[offset + i] & 0xffL);
        return v;
    }

    public static byte[] slice(byte[] b, int offset, int length, String field) {
        need(b, offset, length, field);
        return java.util.Arrays.copyOfRange(b, offset, offset + length);
    }
}
