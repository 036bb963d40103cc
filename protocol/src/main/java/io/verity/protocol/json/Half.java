package io.verity.protocol.json;

import io.verity.protocol.tensor.Float16;

/** float16 as JSON reads and writes it: {@link Float16}, with every NaN read as the canonical quiet NaN. */
final class Half {
    private Half() {}

    /** The nearest half (ties to even); overflow gives infinity, NaN gives the canonical quiet NaN 0x7e00. */
    static short fromDouble(double d) {
        return Double.isNaN(d) ? (short) 0x7e00 : (short) Float16.fromDouble(d);
    }

    static float toFloat(short h) {
        return Float16.toFloat(h);
    }
}
