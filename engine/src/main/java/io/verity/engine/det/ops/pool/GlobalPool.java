package io.verity.engine.det.ops.pool;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.tensor.Arr;

/** GlobalAveragePool and GlobalMaxPool: per channel, the ascending float64 sum divided once (or the max), rounded once. */
public final class GlobalPool {
    private GlobalPool() {}

    public static Arr[] global(Arr x, boolean max) {
        int N = x.shape[0], C = x.shape[1], S = x.size() / Math.max(1, N * C);
        int[] shape = x.shape.clone();
        for (int i = 2; i < shape.length; i++) shape[i] = 1;
        double[] o = new double[N * C];
        if (x.f != null && !max) {
            // The hot case (squeeze-excite blocks): each channel's ascending float64 sum, eight channels at a time
            // so eight independent chains of additions overlap instead of waiting on one another (four left the
            // adders idle half the time: ~4% of PaddleOCR cls's run).
            float[] xf = x.f;
            int nc = 0;
            for (; nc + 8 <= N * C; nc += 8) {
                double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
                int b0 = nc * S, b1 = b0 + S, b2 = b1 + S, b3 = b2 + S, b4 = b3 + S, b5 = b4 + S, b6 = b5 + S, b7 = b6 + S;
                for (int i = 0; i < S; i++) {
                    a0 = a0 + xf[b0 + i];
                    a1 = a1 + xf[b1 + i];
                    a2 = a2 + xf[b2 + i];
                    a3 = a3 + xf[b3 + i];
                    a4 = a4 + xf[b4 + i];
                    a5 = a5 + xf[b5 + i];
                    a6 = a6 + xf[b6 + i];
                    a7 = a7 + xf[b7 + i];
                }
                o[nc] = a0 / S;
                o[nc + 1] = a1 / S;
                o[nc + 2] = a2 / S;
                o[nc + 3] = a3 / S;
                o[nc + 4] = a4 / S;
                o[nc + 5] = a5 / S;
                o[nc + 6] = a6 / S;
                o[nc + 7] = a7 / S;
            }
            for (; nc < N * C; nc++) {
                double acc = 0;
                for (int i = nc * S; i < (nc + 1) * S; i++) acc = acc + xf[i];
                o[nc] = acc / S;
            }
            return new Arr[] {K.cast(Arr.doubles(shape, o), x.dtype)};
        }
        for (int nc = 0; nc < N * C; nc++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            for (int i = 0; i < S; i++) {
                double v = x.getD(nc * S + i);
                acc = max ? (v > acc || Double.isNaN(v) ? v : acc) : acc + v;
            }
            o[nc] = max ? acc : acc / S;
        }
        return new Arr[] {K.cast(Arr.doubles(shape, o), x.dtype)};
    }
}
