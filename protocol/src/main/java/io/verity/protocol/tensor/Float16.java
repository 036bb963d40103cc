package io.verity.protocol.tensor;

/**
 * IEEE 754 binary16 (dtype float16) to and from wider floats, exactly as the standard defines: widening is
 * exact, narrowing rounds once to nearest, ties to even. Integer and StrictMath operations only, and Java 17
 * APIs (the deterministic engine, which uses this, is also built for Java 17; Float.float16ToFloat is Java 20).
 */
public final class Float16 {
    private Float16() {}

    /** The exact float32 value of the float16 bits h (the low 16 bits); a NaN keeps its sign and payload. */
    public static float toFloat(int h) {
        int sign = (h & 0x8000) << 16, exp = (h >>> 10) & 0x1F, mant = h & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | mant << 13);
        if (exp == 0) {
            float v = mant * 0x1p-24f; // zero or subnormal: mant * 2^-24, exact in float32
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | (exp - 15 + 127) << 23 | mant << 13);
    }

    /**
     * v rounded to the nearest float16 (ties to even), as bits 0..0xFFFF: straight from the double, so a float64
     * is rounded once, never through float32. Overflow gives infinity; a NaN stays a NaN with its sign and the
     * top of its payload, made quiet.
     */
    public static int fromDouble(double v) {
        long b = Double.doubleToRawLongBits(v);
        int sign = (int) (b >>> 48) & 0x8000;
        if (Double.isNaN(v)) return sign | 0x7E00 | (int) (b >>> 42) & 0x1FF;
        double a = StrictMath.abs(v);
        if (a >= 65520.0) return sign | 0x7C00; // 65504 + half an ulp ties to the even neighbour 2^16: infinity
        if (a < 0x1p-14) return sign | (int) StrictMath.rint(a * 0x1p24); // m * 2^-24; m = 1024 is 2^-14's bits
        int e = StrictMath.getExponent(a);
        long m = (long) StrictMath.rint(StrictMath.scalb(a, 10 - e)); // 1024..2048; 2048 carries into the exponent
        return sign | (int) (((e + 15L) << 10) + m - 1024);
    }
}
