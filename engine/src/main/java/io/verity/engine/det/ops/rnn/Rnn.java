package io.verity.engine.det.ops.rnn;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.ops.shape.Shapes;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Special;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * LSTM, GRU and RNN (layout 0 and 1, forward, reverse, bidirectional). Each gate's pre-activation is one
 * float64 accumulator: sum over k of x_k * W_gk ascending, then sum over k of h_k * R_gk ascending, then Wb_g,
 * then Rb_g (then the peephole term); activations are applied in float64 and every stored state (gate, cell,
 * hidden) is rounded to float32.
 */
public final class Rnn {
    private Rnn() {}

    public static void register(Map<String, Kernel> m) {
        m.put("LSTM", (n, in, c) -> run(n, in, 4, det3(c)));
        m.put("GRU", (n, in, c) -> run(n, in, 3, det3(c)));
        m.put("RNN", (n, in, c) -> run(n, in, 1, det3(c)));
    }

    /** Under verity-det/3 Sigmoid and Tanh (the default gates) are {@link Special#sigmoid3} and {@link Special#tanh3}. */
    private static boolean det3(io.verity.engine.det.graph.KernelContext c) {
        return c.arithmetic() == io.verity.engine.det.graph.Arithmetic.DET3;
    }

    private static DoubleUnaryOperator[] activations(Op n, int per, int dirs, boolean det3) {
        List<String> names = n.strings("activations");
        float[] al = n.floats("activation_alpha"), be = n.floats("activation_beta");
        DoubleUnaryOperator[] f = new DoubleUnaryOperator[per * dirs];
        int ai = 0, bi = 0;
        for (int i = 0; i < f.length; i++) {
            String name = names == null || names.isEmpty() ? (per == 1 ? "Tanh" : i % per == 0 ? "Sigmoid" : "Tanh") : names.get(i);
            switch (name) {
                case "Sigmoid" -> f[i] = det3 ? Special::sigmoid3 : Special::sigmoid;
                case "Tanh" -> f[i] = det3 ? Special::tanh3 : StrictMath::tanh;
                case "Relu" -> f[i] = x -> Math.max(0, x);
                case "Softsign" -> f[i] = x -> x / (1 + Math.abs(x));
                case "Softplus" -> f[i] = x -> StrictMath.log1p(StrictMath.exp(x));
                case "HardSigmoid" -> {
                    double a = al != null && ai < al.length ? al[ai++] : 0.2, b = be != null && bi < be.length ? be[bi++] : 0.5;
                    f[i] = x -> Math.max(0, Math.min(1, a * x + b));
                }
                case "LeakyRelu" -> {
                    double a = al != null && ai < al.length ? al[ai++] : 0.01;
                    f[i] = x -> x < 0 ? a * x : x;
                }
                case "ThresholdedRelu" -> {
                    double a = al != null && ai < al.length ? al[ai++] : 1;
                    f[i] = x -> x > a ? x : 0;
                }
                case "Elu" -> {
                    double a = al != null && ai < al.length ? al[ai++] : 1;
                    f[i] = x -> x < 0 ? a * (StrictMath.exp(x) - 1) : x;
                }
                case "Affine" -> {
                    double a = al[ai++], b = be[bi++];
                    f[i] = x -> a * x + b;
                }
                case "ScaledTanh" -> {
                    double a = al[ai++], b = be[bi++];
                    f[i] = x -> a * StrictMath.tanh(b * x);
                }
                default -> throw new OpException(n, "activation " + name + " is not supported");
            }
        }
        return f;
    }

    private static Arr[] run(Op n, Arr[] in, int gates, boolean det3) {
        Arr X = K.floats(n, in, 0), W = K.floats(n, in, 1), R = K.floats(n, in, 2);
        Arr B = K.opt(in, 3), lens = K.opt(in, 4), h0 = K.opt(in, 5), c0 = gates == 4 ? K.opt(in, 6) : null;
        Arr P = gates == 4 ? K.opt(in, 7) : null;
        if (n.i("input_forget", 0) != 0) throw new OpException(n, "input_forget must be 0, got 1");
        int layout = (int) n.i("layout", 0);
        if (layout == 1) {
            X = Shapes.transpose(X, new int[] {1, 0, 2});
            if (h0 != null) h0 = Shapes.transpose(h0, new int[] {1, 0, 2});
            if (c0 != null) c0 = Shapes.transpose(c0, new int[] {1, 0, 2});
        }
        String dir = n.s("direction", "forward");
        int dirs = dir.equals("bidirectional") ? 2 : 1;
        int T = X.shape[0], Bn = X.shape[1], I = X.shape[2], H = (int) n.i("hidden_size", R.shape[2]);
        double clip = n.has("clip") ? n.f("clip", 0) : Double.POSITIVE_INFINITY;
        boolean lbr = n.i("linear_before_reset", 0) != 0;
        int per = gates == 4 ? 3 : gates == 3 ? 2 : 1;
        DoubleUnaryOperator[] act = activations(n, per, dirs, det3);
        float[] Y = new float[T * dirs * Bn * H], Yh = new float[dirs * Bn * H], Yc = new float[dirs * Bn * H];
        int G = gates * H;
        Layout kMajor = gates == 3 ? null : layout(n, W, R, dirs, G, I, H);
        double[] sums = new double[G];
        for (int d = 0; d < dirs; d++) {
            boolean reverse = dir.equals("reverse") || d == 1;
            DoubleUnaryOperator f = act[d * per], g = per > 1 ? act[d * per + 1] : null, hh = per > 2 ? act[d * per + 2] : null;
            for (int b = 0; b < Bn; b++) {
                int len = lens == null ? T : (int) lens.getL(b);
                float[] h = new float[H], cs = new float[H], pre = new float[G];
                if (h0 != null) System.arraycopy(h0.f, (d * Bn + b) * H, h, 0, H);
                if (c0 != null) System.arraycopy(c0.f, (d * Bn + b) * H, cs, 0, H);
                for (int step = 0; step < len; step++) {
                    int t = reverse ? len - 1 - step : step;
                    int xo = (t * Bn + b) * I;
                    float[] hn = new float[H], cn = new float[H];
                    if (gates == 3) {
                        // GRU, gate order z, r, h
                        float[] z = new float[H], rr = new float[H];
                        for (int j = 0; j < H; j++) {
                            z[j] = (float) f.applyAsDouble(clipd(preact(X.f, xo, I, W.f, (d * G + j) * I, h, R.f, (d * G + j) * H, H, B, d, G, j), clip));
                            rr[j] = (float) f.applyAsDouble(clipd(preact(X.f, xo, I, W.f, (d * G + H + j) * I, h, R.f, (d * G + H + j) * H, H, B, d, G, H + j), clip));
                        }
                        for (int j = 0; j < H; j++) {
                            int row = 2 * H + j;
                            double acc = 0;
                            for (int k = 0; k < I; k++) acc += (double) X.f[xo + k] * W.f[(d * G + row) * I + k];
                            double wb = B == null ? 0 : B.f[d * 2 * G + row], rb = B == null ? 0 : B.f[d * 2 * G + G + row];
                            double rec = 0;
                            if (lbr) {
                                for (int k = 0; k < H; k++) rec += (double) h[k] * R.f[(d * G + row) * H + k];
                                acc += wb + (double) rr[j] * (rec + rb);
                            } else {
                                for (int k = 0; k < H; k++) rec += (double) (rr[k] * h[k]) * R.f[(d * G + row) * H + k];
                                acc += rec + wb + rb;
                            }
                            float ht = (float) g.applyAsDouble(clipd(acc, clip));
                            hn[j] = (float) ((1 - (double) z[j]) * ht + (double) z[j] * h[j]);
                        }
                    } else {
                        preacts(X.f, xo, I, kMajor, h, H, B, d, G, clip, sums, pre);
                        if (gates == 1) {
                            for (int j = 0; j < H; j++) hn[j] = (float) f.applyAsDouble(pre[j]);
                        } else {
                            for (int j = 0; j < H; j++) {
                                double pi = P == null ? 0 : P.f[d * 3 * H + j], po = P == null ? 0 : P.f[d * 3 * H + H + j],
                                        pf = P == null ? 0 : P.f[d * 3 * H + 2 * H + j];
                                float it = (float) f.applyAsDouble(clipd(pre[j] + pi * cs[j], clip));
                                float ft = (float) f.applyAsDouble(clipd(pre[2 * H + j] + pf * cs[j], clip));
                                float ct = (float) g.applyAsDouble(pre[3 * H + j]);
                                cn[j] = (float) ((double) ft * cs[j] + (double) it * ct);
                                float ot = (float) f.applyAsDouble(clipd(pre[H + j] + po * cn[j], clip));
                                hn[j] = (float) (ot * hh.applyAsDouble(cn[j]));
                            }
                        }
                    }
                    h = hn;
                    cs = cn;
                    System.arraycopy(h, 0, Y, ((t * dirs + d) * Bn + b) * H, H);
                }
                System.arraycopy(h, 0, Yh, (d * Bn + b) * H, H);
                System.arraycopy(cs, 0, Yc, (d * Bn + b) * H, H);
            }
        }
        Arr y = Arr.floats(new int[] {T, dirs, Bn, H}, Y), yh = Arr.floats(new int[] {dirs, Bn, H}, Yh),
                yc = Arr.floats(new int[] {dirs, Bn, H}, Yc);
        if (layout == 1) {
            y = Shapes.transpose(y, new int[] {2, 0, 1, 3});
            yh = Shapes.transpose(yh, new int[] {1, 0, 2});
            yc = Shapes.transpose(yc, new int[] {1, 0, 2});
        }
        return gates == 4 ? new Arr[] {y, yh, yc} : new Arr[] {y, yh};
    }

    /**
     * pre[row] = round32(clip({@link #preact})) for every row of direction d. Each row's sum is the same sequence
     * of float64 additions (x's terms, then h's, in ascending k; a float32 product is exact in float64), but the
     * loops run k outside and rows inside over the weights laid out k-major ({@link Layout}), so the rows' sums
     * advance side by side in the JIT's vector lanes instead of one dependent chain at a time.
     */
    private static void preacts(float[] x, int xo, int I, Layout t, float[] h, int H, Arr B, int d, int G, double clip, double[] acc, float[] pre) {
        java.util.Arrays.fill(acc, 0.0);
        float[] wt = t.w, rt = t.r;
        for (int k = 0; k < I; k++) axpy(x[xo + k], wt, (d * I + k) * G, acc, G);
        for (int k = 0; k < H; k++) axpy(h[k], rt, (d * H + k) * G, acc, G);
        for (int row = 0; row < G; row++) {
            double v = acc[row];
            if (B != null) {
                v += B.f[d * 2 * G + row];
                v += B.f[d * 2 * G + G + row];
            }
            pre[row] = (float) clipd(v, clip);
        }
    }

    /** acc[j] += v * w[wo + j] for j < n (the product exact, one rounding per addition). */
    private static void axpy(double v, float[] w, int wo, double[] acc, int n) {
        for (int j = 0; j < n; j++) acc[j] += v * w[wo + j];
    }

    /** W [dirs][G][I] and R [dirs][G][H] transposed to [dirs][I][G] and [dirs][H][G], for {@link #preacts}. */
    private record Layout(float[] wSrc, float[] rSrc, float[] w, float[] r) {}

    /**
     * The k-major weights of W and R: kept on the node for the next run while the node gets the same weight arrays
     * (initializers and values folded at load do), computed afresh when they change.
     */
    private static Layout layout(Op n, Arr W, Arr R, int dirs, int G, int I, int H) {
        if (n.cache instanceof Layout l && l.wSrc == W.f && l.rSrc == R.f) return l;
        Layout made = new Layout(W.f, R.f, kMajor(W.f, dirs, G, I), kMajor(R.f, dirs, G, H));
        n.cache = made;
        return made;
    }

    private static float[] kMajor(float[] w, int dirs, int G, int K) {
        float[] t = new float[dirs * G * K];
        for (int d = 0; d < dirs; d++) for (int row = 0; row < G; row++) for (int k = 0; k < K; k++) t[(d * K + k) * G + row] = w[(d * G + row) * K + k];
        return t;
    }

    private static double preact(float[] x, int xo, int I, float[] w, int wo, float[] h, float[] r, int ro, int H, Arr B, int d,
            int G, int row) {
        double acc = 0;
        for (int k = 0; k < I; k++) acc += (double) x[xo + k] * w[wo + k];
        for (int k = 0; k < H; k++) acc += (double) h[k] * r[ro + k];
        if (B != null) {
            acc += B.f[d * 2 * G + row];
            acc += B.f[d * 2 * G + G + row];
        }
        return acc;
    }

    private static double clipd(double v, double clip) {
        return v < -clip ? -clip : v > clip ? clip : v;
    }

}
