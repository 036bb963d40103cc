package io.verity.engine.det.tensor;

import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Float16;
import java.util.Arrays;

/**
 * The interpreter's tensor: a dtype, int dims and one flat row-major array. float32 lives in {@link #f},
 * float64 in {@link #d}, and every integer and bool type in {@link #l} (values already wrapped to the
 * dtype's range, bools 0/1), so data-movement operators are written once per storage kind.
 */
public final class Arr {
    public final DType dtype;
    public final int[] shape;
    public final float[] f;
    public final double[] d;
    public final long[] l;

    private Arr(DType dtype, int[] shape, float[] f, double[] d, long[] l) {
        this.dtype = dtype;
        this.shape = shape;
        this.f = f;
        this.d = d;
        this.l = l;
    }

    public static Arr floats(int[] shape, float[] f) {
        check(shape, f.length);
        return new Arr(DType.FLOAT32, shape, f, null, null);
    }

    public static Arr doubles(int[] shape, double[] d) {
        check(shape, d.length);
        return new Arr(DType.FLOAT64, shape, null, d, null);
    }

    public static Arr longs(DType dtype, int[] shape, long[] l) {
        if (!isIntegral(dtype)) throw new IllegalArgumentException("not an integral dtype: " + dtype);
        check(shape, l.length);
        return new Arr(dtype, shape, null, null, l);
    }

    /** float16 tensor from its elements' bits (see {@link Half}). */
    public static Arr halves(int[] shape, long[] bits) {
        check(shape, bits.length);
        return new Arr(DType.FLOAT16, shape, null, null, bits);
    }

    public static Arr scalarLong(long v) {
        return longs(DType.INT64, new int[0], new long[] {v});
    }

    public static Arr vector(long... v) {
        return longs(DType.INT64, new int[] {v.length}, v);
    }

    /** A zero-filled tensor. */
    public static Arr zeros(DType dtype, int[] shape) {
        int n = size(shape);
        return switch (dtype) {
            case FLOAT32 -> floats(shape, new float[n]);
            case FLOAT64 -> doubles(shape, new double[n]);
            case FLOAT16 -> halves(shape, new long[n]);
            default -> longs(dtype, shape, new long[n]);
        };
    }

    static boolean isIntegral(DType t) {
        return t == DType.INT64 || t == DType.INT32 || t == DType.INT8 || t == DType.UINT8 || t == DType.BOOL;
    }

    public static int size(int[] shape) {
        for (int s : shape) if (s == 0) return 0;
        // Stop as soon as the product leaves the int range: three large dims used to wrap the long product to
        // a small or zero size. (A negative product is the callers' to refuse, as Reshape does.)
        long n = 1;
        for (int s : shape) {
            n *= s;
            if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
                throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
            }
        }
        return (int) n;
    }

    private static void check(int[] shape, int len) {
        if (size(shape) != len) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + size(shape)
                    + " elements, got " + len);
        }
    }

    public int size() {
        return f != null ? f.length : d != null ? d.length : l.length;
    }

    public int rank() {
        return shape.length;
    }

    public boolean isFloat() {
        return dtype == DType.FLOAT32 || dtype == DType.FLOAT64;
    }

    /** Element i as a double (exact for float32/float64/float16 and for integers below 2^53). */
    public double getD(int i) {
        return f != null ? f[i] : d != null ? d[i] : dtype == DType.FLOAT16 ? Float16.toFloat((int) l[i]) : (double) l[i];
    }

    public long getL(int i) {
        return l != null ? l[i] : f != null ? (long) f[i] : (long) d[i];
    }

    public long[] longValues() {
        if (l != null) return l.clone();
        long[] out = new long[size()];
        for (int i = 0; i < out.length; i++) out[i] = getL(i);
        return out;
    }

    /** The same data under another shape (no copy; arrays are never mutated after an op returns). */
    public Arr reshape(int[] newShape) {
        check(newShape, size());
        return new Arr(dtype, newShape, f, d, l);
    }

    /** out[i] = this[src[i]]: the one primitive behind Transpose, Slice, Gather, Expand, Tile, Pad. */
    public Arr gather(int[] newShape, int[] src) {
        int n = src.length;
        if (f != null) {
            float[] o = new float[n];
            for (int i = 0; i < n; i++) o[i] = f[src[i]];
            return floats(newShape, o);
        }
        if (d != null) {
            double[] o = new double[n];
            for (int i = 0; i < n; i++) o[i] = d[src[i]];
            return doubles(newShape, o);
        }
        long[] o = new long[n];
        for (int i = 0; i < n; i++) o[i] = l[src[i]];
        return longs(dtype, newShape, o);
    }

    /** Wraps an integer result to the range of an integral dtype, as two's complement hardware would. */
    public static long wrap(DType t, long v) {
        return switch (t) {
            case INT32 -> (int) v;
            case INT8 -> (byte) v;
            case UINT8 -> v & 0xFF;
            case BOOL -> v != 0 ? 1 : 0;
            default -> v;
        };
    }

    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    @Override
    public String toString() {
        return dtype.wireName() + Arrays.toString(shape);
    }
}
