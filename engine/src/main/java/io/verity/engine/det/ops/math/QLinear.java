package io.verity.engine.det.ops.math;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import io.verity.protocol.tensor.DType;
import java.util.Map;

/**
 * QLinearMatMul and QLinearConv: the exact integer product of MatMulInteger / ConvInteger (the kernels already
 * registered, so the integer arithmetic is theirs), then the ONNX reference's requantisation, in a defined
 * order: {@code m = round32(round32(scaleA * scaleB) / scaleY)} in float32, {@code y = rint((double) acc * m +
 * zeroPointY)} in float64 (one rounding for the product, one for the sum, ties to even), saturated to the
 * output type. No float sum is involved, so verity-det/2 and /3 give the same bits.
 */
public final class QLinear {
    private QLinear() {}

    /** Needs MatMulInteger and ConvInteger in m already. */
    public static void register(Map<String, Kernel> m) {
        Kernel matMulInteger = m.get("MatMulInteger"), convInteger = m.get("ConvInteger");
        if (matMulInteger == null || convInteger == null) throw new IllegalStateException("register the integer products first");
        m.put("QLinearMatMul", (n, in, c) -> {
            Arr a = in[0], b = in[3];
            Arr acc = matMulInteger.run(n, new Arr[] {a, b, in[2], in[5]}, c)[0];
            int N = acc.shape[acc.rank() - 1], M = acc.shape[acc.rank() - 2];
            // a's scale: one, or one per row of a; b's: one, or one per column of b
            return new Arr[] {requantize(n, acc, in[1], i -> i / N % M, in[4], i -> i % N, in[6], in[7], a.dtype)};
        });
        m.put("QLinearConv", (n, in, c) -> {
            Arr x = in[0], w = in[3], wz = K.opt(in, 5), bias = K.opt(in, 8);
            if (wz != null) for (int k = 1; k < wz.size(); k++) {
                if (wz.l[k] != wz.l[0]) throw new OpException(n, "per-channel weight zero points must be equal, got " + java.util.Arrays.toString(wz.l));
            }
            Arr acc = convInteger.run(n, new Arr[] {x, w, in[2], wz == null || wz.size() <= 1 ? wz : Arr.longs(wz.dtype, new int[0], new long[] {wz.l[0]})}, c)[0];
            int C = acc.shape[1], inner = Arr.size(acc.shape) / Math.max(1, acc.shape[0] * C);
            if (bias != null) { // int32 bias, added exactly before the scale (as the reference does)
                long[] o = acc.l.clone();
                for (int i = 0; i < o.length; i++) o[i] += bias.l[i / inner % C];
                acc = Arr.longs(DType.INT64, acc.shape, o);
            }
            return new Arr[] {requantize(n, acc, in[1], i -> 0, in[4], i -> i / inner % C, in[6], in[7], x.dtype)};
        });
    }

    private static Arr requantize(Op n, Arr acc, Arr sa, java.util.function.IntUnaryOperator ia, Arr sb,
            java.util.function.IntUnaryOperator ib, Arr sy, Arr zy, DType fallback) {
        DType t = zy != null ? zy.dtype : fallback;
        if (t != DType.UINT8 && t != DType.INT8) throw new OpException(n, "output type must be uint8 or int8, got " + t.wireName());
        if (sy.size() != 1 || (zy != null && zy.size() != 1)) throw new OpException(n, "y_scale and y_zero_point must be scalars");
        long lo = t == DType.UINT8 ? 0 : -128, hi = t == DType.UINT8 ? 255 : 127;
        float ys = scale(n, sy, 0);
        double z = zy == null ? 0 : zy.l[0];
        long[] o = new long[acc.size()];
        for (int i = 0; i < o.length; i++) {
            float m = scale(n, sa, sa.size() == 1 ? 0 : ia.applyAsInt(i)) * scale(n, sb, sb.size() == 1 ? 0 : ib.applyAsInt(i)) / ys;
            double q = StrictMath.rint((double) acc.l[i] * m + z);
            o[i] = (long) StrictMath.max(lo, StrictMath.min(hi, q));
        }
        return Arr.longs(t, acc.shape, o);
    }

    private static float scale(Op n, Arr s, int k) {
        if (s.f == null) throw new OpException(n, "scales must be float32, got " + s.dtype.wireName());
        if (k >= s.f.length) throw new OpException(n, "scale has " + s.f.length + " values, needs more than " + k);
        return s.f[k];
    }
}
