package io.verity.protocol.json;

/** IEEE 754 binary16 conversion straight from double, so a JSON number is rounded once, not twice. */
final class Half {
    private Half() {}

    /** The nearest half (ties to even); overflow gives infinity, NaN gives the canonical quiet NaN 0x7e00. */
    static short fromDouble(double d) {
        int sign = Double.doubleToRawLongBits(d) < 0 ? 0x8000 : 0;
        if (Double.isNaN(d)) return (short) 0x7e00;
        double a = Math.abs(d);
        if (a >= 65520.0) return (short) (sign | 0x7c00); // 65520 is halfway past 65504 and ties to infinity
        int e = Math.getExponent(a);
        if (e < -14) {
            // subnormal (or zero): multiples of 2^-24; scaling by a power of two is exact, rint ties to even
            int m = (int) Math.rint(Math.scalb(a, 24));
            return (short) (sign | m); // m == 1024 is exactly the smallest normal's bit pattern
        }
        int m = (int) Math.rint(Math.scalb(a, 10 - e)); // in [1024, 2048]
        if (m == 2048) {
            m = 1024;
            e++;
        }
        return (short) (sign | ((e + 15) << 10) | (m - 1024));
    }

    static float toFloat(short h) {
        return Float.float16ToFloat(h);
    }
}
