package io.verity.engine.det.ops.nn;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.tensor.Arr;
import io.verity.protocol.tensor.DType;

/**
 * Conv, ConvTranspose and pooling for any number of spatial axes (used for 3-D and up; 1-D and 2-D have
 * faster kernels with the same order). Per output element: input channel ascending, then the kernel
 * positions in row-major order; float64 accumulation, bias after the sum, one rounding.
 */
public final class NdWindow {
    private NdWindow() {}

    /** Per-axis geometry: kernel, stride, dilation, pad begin, pad end, output length. */
    record Axes(int[] k, int[] s, int[] d, int[] pb, int[] pe, int[] out) {}

    static Axes geometry(Op n, int[] in, int[] k, boolean ceil, boolean transpose, long[] outputPadding) {
        int sp = in.length;
        long[] st = n.ints("strides"), dl = n.ints("dilations"), pads = n.ints("pads");
        int[] s = new int[sp], d = new int[sp], pb = new int[sp], pe = new int[sp], out = new int[sp];
        String auto = n.s("auto_pad", "NOTSET");
        for (int i = 0; i < sp; i++) {
            s[i] = st == null ? 1 : (int) st[i];
            d[i] = dl == null ? 1 : (int) dl[i];
            if (pads != null && !auto.equals("VALID")) {
                pb[i] = (int) pads[i];
                pe[i] = (int) pads[i + sp];
            }
            int ek = (k[i] - 1) * d[i] + 1;
            if (transpose) {
                int op = outputPadding == null ? 0 : (int) outputPadding[i];
                out[i] = s[i] * (in[i] - 1) + op + ek - pb[i] - pe[i];
            } else if (auto.startsWith("SAME")) {
                out[i] = (in[i] + s[i] - 1) / s[i];
                int tot = Math.max(0, (out[i] - 1) * s[i] + ek - in[i]);
                pb[i] = auto.equals("SAME_UPPER") ? tot / 2 : tot - tot / 2;
                pe[i] = tot - pb[i];
            } else {
                int span = in[i] + pb[i] + pe[i] - ek;
                out[i] = (ceil ? Math.floorDiv(span + s[i] - 1, s[i]) : Math.floorDiv(span, s[i])) + 1;
                if (ceil && (out[i] - 1) * s[i] >= in[i] + pb[i]) out[i]--;
            }
        }
        return new Axes(k, s, d, pb, pe, out);
    }

    static int[] spatial(int[] shape) {
        return java.util.Arrays.copyOfRange(shape, 2, shape.length);
    }

    static Arr conv(Op n, Arr x, Arr w, Arr bias, boolean transpose) {
        int N = x.shape[0], C = x.shape[1], G = (int) n.i("group", 1);
        int[] in = spatial(x.shape), k = spatial(w.shape);
        int M = transpose ? w.shape[1] * G : w.shape[0], Cg = C / G, Mg = M / G;
        Axes g = geometry(n, in, k, false, transpose, n.ints("output_padding"));
        int sp = in.length, P = Arr.size(g.out), KK = Arr.size(k), I = Arr.size(in);
        int[] ist = Arr.strides(in), kst = Arr.strides(k);
        float[] o = new float[N * M * P];
        int[] oc = new int[sp], kc = new int[sp];
        for (int b = 0; b < N; b++) for (int m = 0; m < M; m++) {
            int gi = m / Mg, mm = m % Mg;
            for (int p = 0; p < P; p++) {
                unflatten(p, g.out, oc);
                double acc = 0;
                for (int cc = 0; cc < Cg; cc++) {
                    int ch = gi * Cg + cc;
                    for (int q = 0; q < KK; q++) {
                        unflatten(q, k, kc);
                        int xi = 0;
                        boolean inside = true;
                        for (int a = 0; a < sp && inside; a++) {
                            int pos;
                            if (transpose) {
                                int t = oc[a] + g.pb[a] - kc[a] * g.d[a];
                                inside = t >= 0 && t % g.s[a] == 0 && t / g.s[a] < in[a];
                                pos = t / Math.max(g.s[a], 1);
                            } else {
                                pos = oc[a] * g.s[a] - g.pb[a] + kc[a] * g.d[a];
                                inside = pos >= 0 && pos < in[a];
                            }
                            xi += pos * ist[a];
                        }
                        if (!inside) continue;
                        int wi = transpose ? (ch * Mg + mm) * KK + q : (m * Cg + cc) * KK + q;
                        acc += (double) x.f[(b * C + ch) * I + xi] * w.f[wi];
                    }
                }
                o[(b * M + m) * P + p] = (float) (bias == null ? acc : acc + bias.f[m]);
            }
        }
        int[] shape = new int[2 + sp];
        shape[0] = N;
        shape[1] = M;
        System.arraycopy(g.out, 0, shape, 2, sp);
        return Arr.floats(shape, o);
    }

    static Arr pool(Op n, Arr x0, boolean max) {
        Arr x = K.cast(x0, DType.FLOAT64);
        int N = x.shape[0], C = x.shape[1];
        int[] in = spatial(x.shape), k = K.ints(n.ints("kernel_shape"));
        Axes g = geometry(n, in, k, n.i("ceil_mode", 0) != 0, false, null);
        boolean includePad = n.i("count_include_pad", 0) != 0;
        int sp = in.length, P = Arr.size(g.out), KK = Arr.size(k), I = Arr.size(in);
        int[] ist = Arr.strides(in), oc = new int[sp], kc = new int[sp];
        double[] o = new double[N * C * P];
        for (int nc = 0; nc < N * C; nc++) {
            for (int p = 0; p < P; p++) {
                unflatten(p, g.out, oc);
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                int cnt = 0;
                for (int q = 0; q < KK; q++) {
                    unflatten(q, k, kc);
                    int xi = 0;
                    boolean inside = true, inPad = true;
                    for (int a = 0; a < sp; a++) {
                        int pos = oc[a] * g.s[a] - g.pb[a] + kc[a] * g.d[a];
                        if (pos < 0 || pos >= in[a]) inside = false;
                        if (pos >= in[a] + g.pe[a]) inPad = false;
                        xi += pos * ist[a];
                    }
                    if (!inside) {
                        if (!max && includePad && inPad) cnt++;
                        continue;
                    }
                    double v = x.d[nc * I + xi];
                    if (max) acc = Double.isNaN(v) || v > acc ? v : acc;
                    else acc += v;
                    cnt++;
                }
                o[nc * P + p] = max ? acc : acc / cnt;
            }
        }
        int[] shape = new int[2 + sp];
        shape[0] = N;
        shape[1] = C;
        System.arraycopy(g.out, 0, shape, 2, sp);
        return K.cast(Arr.doubles(shape, o), x0.dtype);
    }

    private static void unflatten(int flat, int[] dims, int[] out) {
        for (int a = dims.length - 1; a >= 0; a--) {
            out[a] = flat % dims[a];
            flat /= dims[a];
        }
    }
}
