package io.verity.engine.det.tensor;

import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Float16;

/**
 * float16 tensors. A float16 {@link Arr} keeps each element's 16 bits in {@code l} (0..0xFFFF), so the bits a
 * model or a request carries, NaN payloads included, are the bits hashed and returned. Kernels never see
 * float16: the interpreter widens it to float32 (exact) and rounds the float32 results back (nearest, ties to
 * even; for +, -, *, / and sqrt that is the correctly rounded float16 result, as float32 has more than
 * 2 * 11 + 2 significand bits).
 */
public final class Half {
    private Half() {}

    /** Float16 bits to a float32 tensor (exact). */
    public static Arr widen(Arr a) {
        float[] o = new float[a.l.length];
        for (int i = 0; i < o.length; i++) o[i] = Float16.toFloat((int) a.l[i]);
        return Arr.floats(a.shape, o);
    }

    /** Any numeric tensor rounded to float16 once (from float64 directly, never through float32). */
    public static Arr narrow(Arr a) {
        if (a.dtype == DType.FLOAT16) return a;
        long[] o = new long[a.size()];
        for (int i = 0; i < o.length; i++) o[i] = Float16.fromDouble(a.getD(i));
        return Arr.halves(a.shape, o);
    }
}
