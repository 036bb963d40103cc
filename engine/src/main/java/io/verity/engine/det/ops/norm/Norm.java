package io.verity.engine.det.ops.norm;

import io.verity.engine.det.tensor.VectorModule;
import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Parallel;
import io.verity.engine.det.tensor.Special;
import java.util.Arrays;
import java.util.Map;

/** Normalisation (batch, instance, layer, mean-variance, local response) and the softmax family; statistics in float64. */
public final class Norm {
    private Norm() {}

    public static void register(Map<String, Kernel> m) {
        m.put("BatchNormalization", Norm::batchNorm);
        m.put("InstanceNormalization", Norm::instanceNorm);
        m.put("LayerNormalization", Norm::layerNorm);
        m.put("Softmax", (n, in, c) -> softmax(n, in[0], 0, det3(c)));
        m.put("LogSoftmax", (n, in, c) -> softmax(n, in[0], 1, det3(c)));
        m.put("Hardmax", (n, in, c) -> softmax(n, in[0], 2, false));
        m.put("LRN", Norm::lrn);
        m.put("MeanVarianceNormalization", (n, in, c) -> {
            Arr x = in[0];
            long[] axes = n.ints("axes");
            if (axes == null) axes = new long[] {0, 2, 3};
            boolean[] red = new boolean[x.rank()];
            for (long a : axes) red[K.axis(n, a, x.rank())] = true;
            // mean and variance over the reduced axes, in float64, visiting elements in row-major order
            int[] st = Arr.strides(x.shape);
            int n2 = x.size();
            java.util.Map<Integer, double[]> groups = new java.util.TreeMap<>();
            int[] key = new int[n2];
            for (int i = 0; i < n2; i++) {
                int rem = i, kk = 0;
                for (int ax = 0; ax < x.rank(); ax++) {
                    int cidx = rem / st[ax];
                    rem %= st[ax];
                    if (!red[ax]) kk = kk * x.shape[ax] + cidx;
                }
                key[i] = kk;
                double[] g = groups.computeIfAbsent(kk, q -> new double[3]);
                g[0] += x.getD(i);
                g[2]++;
            }
            for (int i = 0; i < n2; i++) {
                double[] g = groups.get(key[i]);
                double dv = x.getD(i) - g[0] / g[2];
                g[1] += dv * dv;
            }
            double[] o = new double[n2];
            for (int i = 0; i < n2; i++) {
                double[] g = groups.get(key[i]);
                o[i] = (x.getD(i) - g[0] / g[2]) / (StrictMath.sqrt(g[1] / g[2]) + 1e-9);
            }
            return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype)};
        });
    }

    /** Inference form: round32((x - mean) / sqrt(var + eps) * scale + B), all in float64. */
    private static Arr[] batchNorm(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], sc = in[1], b = in[2], mean = in[3], var = in[4];
        double eps = n.f("epsilon", 1e-5f);
        if (n.i("training_mode", 0) != 0) return batchNormTraining(n, x, sc, b, mean, var, eps);
        int N = x.shape[0], C = x.rank() > 1 ? x.shape[1] : 1, S = x.size() / Math.max(1, N * C);
        double[] mul = new double[C], add = new double[C];
        for (int ch = 0; ch < C; ch++) {
            double sd = StrictMath.sqrt(var.getD(ch) + eps);
            mul[ch] = sd;
            add[ch] = mean.getD(ch);
        }
        if (x.f != null) {
            float[] o = new float[x.size()];
            batchNormFloats(c.par(), x, o, sc, b, mul, add, N, C, S);
            return new Arr[] {Arr.floats(x.shape, o)};
        }
        double[] o = new double[x.size()];
        c.par().forEach(N * C, S, nc -> {
            int ch = nc % C;
            double s = sc.getD(ch), bb = b.getD(ch);
            for (int i = 0; i < S; i++) o[nc * S + i] = (x.getD(nc * S + i) - add[ch]) / mul[ch] * s + bb;
        });
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype)};
    }

    /**
     * Inference BatchNormalization of float32 x into o (o may be x itself: each element is read once, then
     * written): the float64 expression of {@link #batchNorm} rounded straight into float32. mul and add are
     * its per-channel sqrt(var + eps) and mean.
     */
    private static void batchNormFloats(Parallel par, Arr x, float[] o, Arr sc, Arr b, double[] mul, double[] add, int N, int C, int S) {
        float[] xf = x.f;
        par.forEach(N * C, S, nc -> {
            int ch = nc % C;
            double s = sc.getD(ch), bb = b.getD(ch), a = add[ch], m = mul[ch];
            for (int i = nc * S; i < (nc + 1) * S; i++) o[i] = (float) (((double) xf[i] - a) / m * s + bb);
        });
    }

    /**
     * For untraced runs: node n (an inference BatchNormalization) applied to float32 x in place, when x is an
     * array no one else holds (a Conv's fresh output that only n reads). Same bits as {@link #batchNorm}.
     *
     * @return false, touching nothing, when n is not that case (the caller then runs it as usual)
     */
    public static boolean batchNormInPlace(Op n, Arr x, Arr[] in, Parallel par) {
        if (x.f == null || x.rank() < 2 || n.i("training_mode", 0) != 0 || in.length < 5) return false;
        int N = x.shape[0], C = x.shape[1], S = x.size() / Math.max(1, N * C);
        for (int k = 1; k < 5; k++) if (in[k] == null || in[k].size() < C || !in[k].isFloat()) return false;
        double eps = n.f("epsilon", 1e-5f);
        double[] mul = new double[C], add = new double[C];
        for (int ch = 0; ch < C; ch++) {
            mul[ch] = StrictMath.sqrt(in[4].getD(ch) + eps);
            add[ch] = in[3].getD(ch);
        }
        batchNormFloats(par, x, x.f, in[1], in[2], mul, add, N, C, S);
        return true;
    }

    /**
     * Training mode: batch mean and (population) variance per channel in float64, batch then spatial index
     * ascending; outputs Y and the running statistics blended with momentum.
     */
    private static Arr[] batchNormTraining(Op n, Arr x, Arr sc, Arr b, Arr mean, Arr var, double eps) {
        double momentum = n.f("momentum", 0.9f);
        int N = x.shape[0], C = x.shape[1], S = x.size() / (N * C);
        double[] mu = new double[C], v = new double[C];
        for (int ch = 0; ch < C; ch++) {
            double s = 0;
            for (int bb = 0; bb < N; bb++) for (int i = 0; i < S; i++) s += x.getD((bb * C + ch) * S + i);
            mu[ch] = s / (N * S);
            double q = 0;
            for (int bb = 0; bb < N; bb++) for (int i = 0; i < S; i++) {
                double dv = x.getD((bb * C + ch) * S + i) - mu[ch];
                q += dv * dv;
            }
            v[ch] = q / (N * S);
        }
        double[] o = new double[x.size()], rm = new double[C], rv = new double[C];
        for (int nc = 0; nc < N * C; nc++) {
            int ch = nc % C;
            double sd = StrictMath.sqrt(v[ch] + eps);
            for (int i = 0; i < S; i++) o[nc * S + i] = (x.getD(nc * S + i) - mu[ch]) / sd * sc.getD(ch) + b.getD(ch);
        }
        for (int ch = 0; ch < C; ch++) {
            rm[ch] = mean.getD(ch) * momentum + mu[ch] * (1 - momentum);
            rv[ch] = var.getD(ch) * momentum + v[ch] * (1 - momentum);
        }
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype), K.cast(Arr.doubles(new int[] {C}, rm), mean.dtype),
                K.cast(Arr.doubles(new int[] {C}, rv), var.dtype)};
    }

    /** Mean and variance in float64, ascending index; then as batch norm. */
    private static Arr[] instanceNorm(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], sc = in[1], b = in[2];
        double eps = n.f("epsilon", 1e-5f);
        int N = x.shape[0], C = x.shape[1], S = x.size() / (N * C);
        double[] o = new double[x.size()];
        for (int nc = 0; nc < N * C; nc++) normalise(x, nc * S, S, eps, o, sc.getD(nc % C), b.getD(nc % C), null, null);
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype)};
    }

    /** @return {mean, standard deviation including eps} */
    private static double[] normalise(Arr x, int off, int S, double eps, double[] o, double s, double bb, Arr sv, Arr bv) {
        double sum = 0;
        for (int i = 0; i < S; i++) sum += x.getD(off + i);
        double mean = sum / S, sq = 0;
        for (int i = 0; i < S; i++) {
            double d = x.getD(off + i) - mean;
            sq += d * d;
        }
        double sd = StrictMath.sqrt(sq / S + eps);
        for (int i = 0; i < S; i++) {
            double sc = sv == null ? s : sv.getD(i), b = sv == null ? bb : bv == null ? 0 : bv.getD(i);
            o[off + i] = (x.getD(off + i) - mean) / sd * sc + b;
        }
        return new double[] {mean, sd};
    }

    private static Arr[] layerNorm(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], sc = in[1], b = K.opt(in, 2);
        int ax = K.axis(n, n.i("axis", -1), x.rank());
        double eps = n.f("epsilon", 1e-5f);
        int outer = 1;
        for (int i = 0; i < ax; i++) outer *= x.shape[i];
        int S = x.size() / Math.max(outer, 1);
        Arr sFull = sc.gather(Arrays.copyOfRange(x.shape, ax, x.rank()), K.bindex(Arrays.copyOfRange(x.shape, ax, x.rank()), sc.shape));
        Arr bFull = b == null ? null : b.gather(sFull.shape, K.bindex(sFull.shape, b.shape));
        float[] mean = new float[outer], inv = new float[outer];
        int[] statShape = x.shape.clone();
        for (int i = ax; i < statShape.length; i++) statShape[i] = 1;
        if (x.f != null && sFull.f != null && (bFull == null || bFull.f != null)) {
            float[] o = layerNormFloats(x.f, outer, S, eps, sFull.f, bFull == null ? null : bFull.f, mean, inv);
            return new Arr[] {Arr.floats(x.shape, o), Arr.floats(statShape, mean), Arr.floats(statShape, inv)};
        }
        double[] o = new double[x.size()];
        for (int r = 0; r < outer; r++) {
            double[] st = normalise(x, r * S, S, eps, o, 0, 0, sFull, bFull);
            mean[r] = (float) st[0];
            inv[r] = (float) (1 / st[1]);
        }
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype), Arr.floats(statShape, mean), Arr.floats(statShape, inv)};
    }

    /**
     * {@link #layerNorm} on float32 with float32 scale and bias: {@link #normalise}'s operations (a missing bias
     * still adds +0.0, which turns -0 into +0) rounded straight to float32, without the float64 output array.
     */
    private static float[] layerNormFloats(float[] x, int outer, int S, double eps, float[] sc, float[] bias, float[] mean, float[] inv) {
        float[] o = new float[x.length];
        for (int r = 0; r < outer; r++) {
            int off = r * S;
            double sum = 0;
            for (int i = 0; i < S; i++) sum += x[off + i];
            double mu = sum / S, sq = 0;
            for (int i = 0; i < S; i++) {
                double d = x[off + i] - mu;
                sq += d * d;
            }
            double sd = StrictMath.sqrt(sq / S + eps);
            if (bias == null) for (int i = 0; i < S; i++) o[off + i] = (float) ((x[off + i] - mu) / sd * sc[i] + 0.0);
            else for (int i = 0; i < S; i++) o[off + i] = (float) ((x[off + i] - mu) / sd * sc[i] + bias[i]);
            mean[r] = (float) mu;
            inv[r] = (float) (1 / sd);
        }
        return o;
    }

    private static boolean det3(KernelContext c) {
        return c.arithmetic() == io.verity.engine.det.graph.Arithmetic.DET3;
    }

    /**
     * mode 0 Softmax, 1 LogSoftmax, 2 Hardmax. Softmax: e_i = exp(x_i - max) in float64, sum ascending,
     * round32(e_i / sum); LogSoftmax: x_i - max - log(sum). exp is StrictMath's, under verity-det/3
     * {@link Special#exp3}. Before opset 13 the input is coerced to 2-D at axis (default 1).
     */
    private static Arr[] softmax(Op n, Arr x, int mode, boolean det3) {
        int r = x.rank();
        int outer, dim, inner;
        if (n.opset < 13) {
            int ax = K.axis(n, n.i("axis", 1), Math.max(r, 1));
            outer = 1;
            for (int i = 0; i < ax; i++) outer *= x.shape[i];
            dim = x.size() / Math.max(outer, 1);
            inner = 1;
        } else {
            int ax = K.axis(n, n.i("axis", -1), r);
            outer = 1;
            inner = 1;
            for (int i = 0; i < ax; i++) outer *= x.shape[i];
            for (int i = ax + 1; i < r; i++) inner *= x.shape[i];
            dim = x.shape[ax];
        }
        if (x.f != null && mode != 2) return new Arr[] {Arr.floats(x.shape, softmaxFloats(x.f, outer, dim, inner, mode == 1, det3))};
        double[] o = new double[x.size()];
        double[] e = new double[dim];
        for (int a = 0; a < outer; a++) {
            for (int b = 0; b < inner; b++) {
                int base = a * dim * inner + b;
                double mx = Double.NEGATIVE_INFINITY;
                int arg = 0;
                for (int k = 0; k < dim; k++) {
                    double v = x.getD(base + k * inner);
                    if (v > mx) {
                        mx = v;
                        arg = k;
                    }
                }
                if (mode == 2) {
                    for (int k = 0; k < dim; k++) o[base + k * inner] = k == arg ? 1 : 0;
                    continue;
                }
                double sum = 0;
                for (int k = 0; k < dim; k++) {
                    e[k] = StrictMath.exp(x.getD(base + k * inner) - mx);
                    sum += e[k];
                }
                double ls = StrictMath.log(sum);
                for (int k = 0; k < dim; k++) {
                    o[base + k * inner] = mode == 0 ? e[k] / sum : x.getD(base + k * inner) - mx - ls;
                }
            }
        }
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype)};
    }

    /**
     * {@link #softmax} on float32, rounding straight to float32 (the float64 array and the cast were a third of its
     * time); Softmax skips the log it does not use. The same operations, so the same bits.
     */
    private static float[] softmaxFloats(float[] x, int outer, int dim, int inner, boolean log, boolean det3) {
        float[] o = new float[x.length];
        double[] e = new double[dim];
        for (int a = 0; a < outer; a++) {
            for (int b = 0; b < inner; b++) {
                int base = a * dim * inner + b;
                double mx = Double.NEGATIVE_INFINITY;
                for (int k = 0, i = base; k < dim; k++, i += inner) if (x[i] > mx) mx = x[i];
                double sum = 0;
                if (det3 && inner == 1 && VectorModule.PRESENT) { // the same exps, then the same sum in the same order
                    ExpLanes.exp(x, base, mx, e, dim);
                    for (int k = 0; k < dim; k++) sum += e[k];
                } else if (det3) for (int k = 0, i = base; k < dim; k++, i += inner) sum += e[k] = Special.exp3(x[i] - mx);
                else for (int k = 0, i = base; k < dim; k++, i += inner) sum += e[k] = StrictMath.exp(x[i] - mx);
                if (log) {
                    double ls = StrictMath.log(sum);
                    for (int k = 0, i = base; k < dim; k++, i += inner) o[i] = (float) (x[i] - mx - ls);
                } else {
                    for (int k = 0, i = base; k < dim; k++, i += inner) o[i] = (float) (e[k] / sum);
                }
            }
        }
        return o;
    }

    /** LRN: square sum over the channel window in ascending channel order, float64. */
    private static Arr[] lrn(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        double alpha = n.f("alpha", 1e-4f), beta = n.f("beta", 0.75f), bias = n.f("bias", 1f);
        int size = (int) n.i("size", 1);
        int N = x.shape[0], C = x.shape[1], S = x.size() / (N * C);
        double[] o = new double[x.size()];
        int lo = (size - 1) / 2, hi = size - 1 - lo;
        for (int b = 0; b < N; b++) for (int ch = 0; ch < C; ch++) for (int s = 0; s < S; s++) {
            double sq = 0;
            for (int q = Math.max(0, ch - lo); q <= Math.min(C - 1, ch + hi); q++) {
                double v = x.getD((b * C + q) * S + s);
                sq += v * v;
            }
            o[(b * C + ch) * S + s] = x.getD((b * C + ch) * S + s) / StrictMath.pow(bias + alpha / size * sq, beta);
        }
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype)};
    }
}
