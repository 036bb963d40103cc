package io.verity.engine.det.graph;

import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Half;
import io.verity.protocol.tensor.DType;
import java.util.Arrays;

/** Small helpers shared by the kernels: axes, broadcasting, casts. */
public final class K {
    private K() {}

    public static int axis(Op n, long a, int rank) {
        long r = a < 0 ? a + rank : a;
        if (r < 0 || r >= Math.max(rank, 1)) throw new OpException(n, "axis must be in [" + -rank + ", " + (rank - 1) + "], got " + a);
        return (int) r;
    }

    public static int[] ints(long[] v) {
        int[] o = new int[v.length];
        for (int i = 0; i < v.length; i++) o[i] = Math.toIntExact(v[i]);
        return o;
    }

    static Arr need(Op n, Arr[] in, int k) {
        if (k >= in.length || in[k] == null) throw new OpException(n, "input " + k + " is required");
        return in[k];
    }

    public static Arr opt(Arr[] in, int k) {
        return k < in.length ? in[k] : null;
    }

    public static int[] broadcast(Op n, int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] o = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new OpException(n, "shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            o[i] = da == 1 ? db : da;
        }
        return o;
    }

    /** Stride of each output axis in an operand of shape {@code in} broadcast to {@code out} (0 if broadcast). */
    public static int[] bstrides(int[] out, int[] in) {
        int[] s = new int[out.length];
        int[] st = Arr.strides(in);
        int off = out.length - in.length;
        for (int i = 0; i < in.length; i++) s[i + off] = in[i] == 1 && out[i + off] != 1 ? 0 : st[i];
        return s;
    }

    /** For every output element, the flat index into an operand broadcast to {@code out}. */
    public static int[] bindex(int[] out, int[] in) {
        int n = Arr.size(out);
        int[] idx = new int[n];
        int[] s = bstrides(out, in);
        int r = out.length;
        int[] c = new int[r];
        int cur = 0;
        for (int i = 0; i < n; i++) {
            idx[i] = cur;
            for (int ax = r - 1; ax >= 0; ax--) {
                c[ax]++;
                cur += s[ax];
                if (c[ax] < out[ax]) break;
                cur -= s[ax] * c[ax];
                c[ax] = 0;
            }
        }
        return idx;
    }

    public static Arr cast(Arr a, DType to) {
        if (a.dtype == to) return a;
        if (to == DType.FLOAT16) return Half.narrow(a); // one rounding from the source value, float64 included
        if (a.dtype == DType.FLOAT16) return cast(Half.widen(a), to); // exact, then as from float32
        int n = a.size();
        switch (to) {
            case FLOAT32: {
                float[] o = new float[n];
                if (a.d != null) for (int i = 0; i < n; i++) o[i] = (float) a.d[i];
                else for (int i = 0; i < n; i++) o[i] = (float) a.l[i];
                return Arr.floats(a.shape, o);
            }
            case FLOAT64: {
                double[] o = new double[n];
                for (int i = 0; i < n; i++) o[i] = a.getD(i);
                return Arr.doubles(a.shape, o);
            }
            case BOOL: {
                long[] o = new long[n];
                for (int i = 0; i < n; i++) o[i] = a.l != null ? (a.l[i] != 0 ? 1 : 0) : (a.getD(i) != 0 ? 1 : 0);
                return Arr.longs(to, a.shape, o);
            }
            case INT64, INT32, INT8, UINT8: {
                long[] o = new long[n];
                if (a.l != null) for (int i = 0; i < n; i++) o[i] = Arr.wrap(to, a.l[i]);
                else for (int i = 0; i < n; i++) o[i] = Arr.wrap(to, (long) a.getD(i));
                return Arr.longs(to, a.shape, o);
            }
            default:
                throw new UnsupportedOperationException("cast to " + to.wireName() + " is not supported");
        }
    }

    public static DType dtypeOf(Op n, long onnxCode) {
        DType t = DType.fromOnnxCode((int) onnxCode);
        if (t == null || t == DType.STRING) throw new OpException(n, "data type " + onnxCode + " is not supported");
        return t;
    }

    /** Input k, which must be present and float32. */
    public static Arr floats(Op n, Arr[] in, int k) {
        Arr a = K.need(n, in, k);
        if (a.dtype != DType.FLOAT32) throw new OpException(n, "input " + k + " must be float32, got " + a.dtype.wireName());
        return a;
    }
}
