package io.verity.engine.det.ops.math;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import io.verity.protocol.tensor.DType;
import java.util.Arrays;
import java.util.Map;

/** Losses, Dropout (inference only), CumSum, EyeLike, Shrink, Det, Einsum, the quantize family and window functions. */
public final class Misc {
    private Misc() {}

    public static void register(Map<String, Kernel> m) {
        m.put("Dropout", Misc::dropout);
        m.put("NegativeLogLikelihoodLoss", (n, in, c) -> nll(n, in[0], in[1], K.opt(in, 2)));
        m.put("SoftmaxCrossEntropyLoss", Misc::softmaxCrossEntropy);
        m.put("CumSum", Misc::cumsum);
        m.put("EyeLike", (n, in, c) -> {
            Arr x = in[0];
            DType t = n.has("dtype") ? K.dtypeOf(n, n.i("dtype", 1)) : x.dtype;
            int R = x.shape[0], C = x.shape[1];
            long k = n.i("k", 0);
            double[] o = new double[R * C];
            for (int i = 0; i < R; i++) {
                long j = i + k;
                if (j >= 0 && j < C) o[i * C + (int) j] = 1;
            }
            return new Arr[] {K.cast(Arr.doubles(x.shape, o), t)};
        });
        m.put("Shrink", (n, in, c) -> {
            double lambd = n.f("lambd", 0.5f), bias = n.f("bias", 0f);
            Arr d = K.cast(in[0], DType.FLOAT64);
            double[] o = new double[d.size()];
            for (int i = 0; i < o.length; i++) {
                double x = d.d[i];
                o[i] = x < -lambd ? x + bias : x > lambd ? x - bias : 0;
            }
            return new Arr[] {K.cast(Arr.doubles(d.shape, o), in[0].dtype)};
        });
        m.put("Einsum", Misc::einsum);
        m.put("Det", Misc::det);
        m.put("QuantizeLinear", Misc::quantize);
        m.put("DequantizeLinear", Misc::dequantize);
        m.put("DynamicQuantizeLinear", Misc::dynamicQuantize);
        m.put("HannWindow", (n, in, c) -> window(n, in[0], new double[] {0.5, 0.5}));
        m.put("HammingWindow", (n, in, c) -> window(n, in[0], new double[] {25.0 / 46, 21.0 / 46}));
        m.put("BlackmanWindow", (n, in, c) -> window(n, in[0], new double[] {0.42, 0.5, 0.08}));
    }

    private static Arr[] dropout(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        Arr training = K.opt(in, 2);
        double ratio = n.opset < 12 ? n.f("ratio", 0.5f) : K.opt(in, 1) == null ? 0.5 : in[1].getD(0);
        if (training != null && training.getD(0) != 0 && ratio != 0) {
            throw new OpException(n, "training_mode with ratio " + ratio + " draws random numbers, which a deterministic engine refuses");
        }
        long[] ones = new long[x.size()];
        Arrays.fill(ones, 1);
        return new Arr[] {x, Arr.longs(DType.BOOL, x.shape, ones)};
    }

    /** loss = -input[n][target][d...] * weight[target], reduced by mean over summed weights, sum, or none. */
    private static Arr[] nll(Op n, Arr input, Arr target, Arr weight) {
        String reduction = n.s("reduction", "mean");
        boolean hasIgnore = n.has("ignore_index");
        long ignore = n.i("ignore_index", 0);
        int N = input.shape[0], C = input.shape[1], D = input.size() / Math.max(1, N * C);
        double[] loss = new double[N * D];
        double wsum = 0, lsum = 0;
        for (int b = 0; b < N; b++) {
            for (int d = 0; d < D; d++) {
                long t = target.getL(b * D + d);
                if (hasIgnore && t == ignore) continue;
                double w = weight == null ? 1 : weight.getD((int) t);
                double v = -input.getD((b * C + (int) t) * D + d) * w;
                loss[b * D + d] = v;
                wsum += w;
                lsum += v;
            }
        }
        Arr res = switch (reduction) {
            case "none" -> Arr.doubles(target.shape, loss);
            case "sum" -> Arr.doubles(new int[0], new double[] {lsum});
            default -> Arr.doubles(new int[0], new double[] {lsum / wsum});
        };
        return new Arr[] {K.cast(res, input.dtype)};
    }

    private static Arr[] softmaxCrossEntropy(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        int N = x.shape[0], C = x.shape[1], D = x.size() / Math.max(1, N * C);
        double[] lp = new double[x.size()];
        for (int b = 0; b < N; b++) {
            for (int d = 0; d < D; d++) {
                double mx = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < C; k++) mx = Math.max(mx, x.getD((b * C + k) * D + d));
                double s = 0;
                for (int k = 0; k < C; k++) s += StrictMath.exp(x.getD((b * C + k) * D + d) - mx);
                double ls = StrictMath.log(s);
                for (int k = 0; k < C; k++) lp[(b * C + k) * D + d] = x.getD((b * C + k) * D + d) - mx - ls;
            }
        }
        Arr logProb = Arr.doubles(x.shape, lp);
        Arr loss = nll(n, logProb, in[1], K.opt(in, 2))[0];
        return new Arr[] {K.cast(loss, x.dtype), K.cast(logProb, x.dtype)};
    }

    /** Running sum along the axis in index order (reverse: from the end), float64 accumulator, rounded per element. */
    private static Arr[] cumsum(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        int ax = K.axis(n, in[1].getL(0), x.rank());
        boolean excl = n.i("exclusive", 0) != 0, rev = n.i("reverse", 0) != 0;
        int outer = 1, inner = 1, dim = x.shape[ax];
        for (int i = 0; i < ax; i++) outer *= x.shape[i];
        for (int i = ax + 1; i < x.rank(); i++) inner *= x.shape[i];
        double[] o = new double[x.size()];
        long[] ol = new long[x.size()];
        for (int a = 0; a < outer; a++) {
            for (int b = 0; b < inner; b++) {
                double acc = 0;
                long accl = 0;
                for (int s = 0; s < dim; s++) {
                    int k = rev ? dim - 1 - s : s;
                    int idx = (a * dim + k) * inner + b;
                    if (excl) {
                        o[idx] = acc;
                        ol[idx] = accl;
                    }
                    if (x.l != null) accl += x.l[idx];
                    else acc = x.dtype == DType.FLOAT32 ? (float) (acc + x.getD(idx)) : acc + x.getD(idx);
                    if (!excl) {
                        o[idx] = acc;
                        ol[idx] = accl;
                    }
                }
            }
        }
        if (x.l != null) return new Arr[] {Arr.longs(x.dtype, x.shape, ol)};
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype)};
    }

    /** Determinant by Gaussian elimination with partial pivoting (first maximal |pivot|), float64. */
    private static Arr[] det(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        int r = x.rank(), D = x.shape[r - 1];
        int batch = x.size() / (D * D);
        double[] o = new double[batch];
        for (int b = 0; b < batch; b++) {
            double[][] m = new double[D][D];
            for (int i = 0; i < D; i++) for (int j = 0; j < D; j++) m[i][j] = x.getD(b * D * D + i * D + j);
            double det = 1;
            for (int col = 0; col < D; col++) {
                int piv = col;
                for (int i = col + 1; i < D; i++) if (Math.abs(m[i][col]) > Math.abs(m[piv][col])) piv = i;
                if (m[piv][col] == 0) {
                    det = 0;
                    break;
                }
                if (piv != col) {
                    double[] t = m[piv];
                    m[piv] = m[col];
                    m[col] = t;
                    det = -det;
                }
                det *= m[col][col];
                for (int i = col + 1; i < D; i++) {
                    double f = m[i][col] / m[col][col];
                    for (int j = col; j < D; j++) m[i][j] -= f * m[col][j];
                }
            }
            o[b] = det;
        }
        return new Arr[] {K.cast(Arr.doubles(java.util.Arrays.copyOf(x.shape, r - 2), o), x.dtype)};
    }

    /** Per-tensor or per-axis parameter: the value of a scale/zero-point for element i of x. */
    private static double param(Op n, Arr p, Arr x, int i, int axis) {
        if (p == null) return 0;
        if (p.size() == 1) return p.getD(0);
        int inner = 1;
        for (int a = axis + 1; a < x.rank(); a++) inner *= x.shape[a];
        return p.getD((i / inner) % x.shape[axis]);
    }

    /** y = saturate(roundHalfEven(x / scale) + zero_point); the division in the input's precision. */
    private static Arr[] quantize(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], scale = in[1], zp = K.opt(in, 2);
        if (n.has("block_size") && n.i("block_size", 0) != 0) throw new OpException(n, "block_size must be 0, got " + n.i("block_size", 0));
        DType t = zp == null ? DType.UINT8 : zp.dtype;
        if (t != DType.UINT8 && t != DType.INT8) throw new OpException(n, "output type must be uint8 or int8, got " + t.wireName());
        int ax = scale.size() == 1 ? 0 : K.axis(n, n.i("axis", 1), x.rank());
        long lo = t == DType.UINT8 ? 0 : -128, hi = t == DType.UINT8 ? 255 : 127;
        long[] o = new long[x.size()];
        for (int i = 0; i < o.length; i++) {
            double sc = param(n, scale, x, i, ax);
            // float32 inputs divide in float32, as the ONNX definition does
            double ratio = x.f != null ? (double) (x.f[i] / (float) sc) : x.getD(i) / sc;
            double q = Math.rint(ratio) + param(n, zp, x, i, ax);
            o[i] = (long) Math.max(lo, Math.min(hi, q));
        }
        return new Arr[] {Arr.longs(t, x.shape, o)};
    }

    /** y = (x - zero_point) * scale, in float64, rounded once to the scale's type. */
    private static Arr[] dequantize(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0], scale = in[1], zp = K.opt(in, 2);
        int ax = scale.size() == 1 ? 0 : K.axis(n, n.i("axis", 1), x.rank());
        double[] o = new double[x.size()];
        for (int i = 0; i < o.length; i++) o[i] = (x.getD(i) - param(n, zp, x, i, ax)) * param(n, scale, x, i, ax);
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), scale.dtype)};
    }

    /** The ONNX formula in float32: scale = (max(0, max x) - min(0, min x)) / 255, zero point rounded and saturated. */
    private static Arr[] dynamicQuantize(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        double mx = 0, mn = 0;
        float[] xf = x.f; // float32 input (the quantized transformers' activations): the same operations without getD
        if (xf != null) {
            // In float32, which the JIT turns into a vector reduction (max and min of a set do not depend on the
            // order: NaN wins either way and +0 > -0), where the float64 chain ran one element at a time.
            float fx = 0, fn = 0;
            for (float v : xf) {
                fx = Math.max(fx, v);
                fn = Math.min(fn, v);
            }
            mx = fx;
            mn = fn;
        } else {
            for (int i = 0; i < x.size(); i++) {
                mx = Math.max(mx, x.getD(i));
                mn = Math.min(mn, x.getD(i));
            }
        }
        // float32 arithmetic, as the ONNX definition computes it
        float scale = (float) ((float) mx - (float) mn) / 255f;
        double zp = Math.max(0, Math.min(255, Math.rint(0f - (float) mn / scale)));
        long[] o = new long[x.size()];
        if (xf != null) for (int i = 0; i < o.length; i++) o[i] = (long) Math.max(0, Math.min(255, Math.rint(xf[i] / scale) + zp));
        else for (int i = 0; i < o.length; i++) o[i] = (long) Math.max(0, Math.min(255, Math.rint((float) x.getD(i) / scale) + zp));
        return new Arr[] {Arr.longs(DType.UINT8, x.shape, o), Arr.floats(new int[0], new float[] {scale}),
                Arr.longs(DType.UINT8, new int[0], new long[] {(long) zp})};
    }

    /**
     * Einsum by its definition: for each output element, the summed letters are enumerated in row-major
     * order (letters in order of first appearance), the operand values multiplied in operand order in
     * float64, the products added in float64, one rounding at the end. "..." is expanded to letters.
     */
    private static Arr[] einsum(Op n, Arr[] in, KernelContext c) {
        String eq = n.s("equation", "").replace(" ", "");
        String[] sides = eq.split("->", -1);
        String[] terms = sides[0].split(",", -1);
        if (terms.length != in.length) throw new OpException(n, "equation has " + terms.length + " operands, got " + in.length + " inputs");
        // Expand "..." into upper-case letters (the equation itself uses lower case).
        int ell = 0;
        for (int t = 0; t < terms.length; t++) if (terms[t].contains("...")) ell = Math.max(ell, in[t].rank() - (terms[t].length() - 3));
        String dots = "ABCDEFGHIJKLMNOPQRSTUVWXYZ".substring(0, ell);
        for (int t = 0; t < terms.length; t++) {
            if (terms[t].contains("...")) {
                int own = in[t].rank() - (terms[t].length() - 3);
                terms[t] = terms[t].replace("...", dots.substring(ell - own));
            }
        }
        java.util.Map<Character, Integer> size = new java.util.LinkedHashMap<>();
        java.util.Map<Character, Integer> count = new java.util.HashMap<>();
        for (int t = 0; t < terms.length; t++) {
            if (terms[t].length() != in[t].rank()) throw new OpException(n, "operand " + t + " has rank " + in[t].rank() + ", equation term '" + terms[t] + "'");
            for (int i = 0; i < terms[t].length(); i++) {
                char ch = terms[t].charAt(i);
                int dim = in[t].shape[i];
                Integer have = size.get(ch);
                if (have != null && have != dim && have != 1 && dim != 1) throw new OpException(n, "letter " + ch + " has sizes " + have + " and " + dim);
                size.put(ch, have == null ? dim : Math.max(have, dim));
                count.merge(ch, 1, Integer::sum);
            }
        }
        String outTerm;
        if (sides.length > 1) outTerm = sides[1].replace("...", dots);
        else {
            StringBuilder sb = new StringBuilder(dots);
            size.keySet().stream().filter(ch -> Character.isLowerCase(ch) && count.get(ch) == 1).sorted().forEach(sb::append);
            outTerm = sb.toString();
        }
        java.util.List<Character> summed = new java.util.ArrayList<>();
        for (char ch : size.keySet()) if (outTerm.indexOf(ch) < 0) summed.add(ch);
        int[] outShape = new int[outTerm.length()];
        for (int i = 0; i < outShape.length; i++) outShape[i] = size.get(outTerm.charAt(i));
        int[] sumShape = new int[summed.size()];
        for (int i = 0; i < sumShape.length; i++) sumShape[i] = size.get(summed.get(i));
        java.util.List<Character> letters = new java.util.ArrayList<>(size.keySet());
        int[][] pos = new int[terms.length][];
        int[][] strides = new int[terms.length][];
        for (int t = 0; t < terms.length; t++) {
            pos[t] = new int[terms[t].length()];
            strides[t] = Arr.strides(in[t].shape);
            for (int i = 0; i < pos[t].length; i++) pos[t][i] = letters.indexOf(terms[t].charAt(i));
        }
        int total = Arr.size(outShape), inner = Arr.size(sumShape);
        double[] o = new double[total];
        int[] outLetter = new int[outShape.length], sumLetter = new int[sumShape.length];
        for (int a = 0; a < outLetter.length; a++) outLetter[a] = letters.indexOf(outTerm.charAt(a));
        for (int a = 0; a < sumLetter.length; a++) sumLetter[a] = letters.indexOf(summed.get(a));
        int[] val = new int[letters.size()];
        for (int i = 0; i < total; i++) {
            spread(i, outShape, outLetter, val);
            double acc = 0;
            for (int j = 0; j < inner; j++) {
                spread(j, sumShape, sumLetter, val);
                double prod = 1;
                for (int t = 0; t < terms.length; t++) {
                    int off = 0;
                    for (int q = 0; q < pos[t].length; q++) off += (in[t].shape[q] == 1 ? 0 : val[pos[t][q]]) * strides[t][q];
                    prod *= in[t].getD(off);
                }
                acc += prod;
            }
            o[i] = acc;
        }
        return new Arr[] {K.cast(Arr.doubles(outShape, o), in[0].dtype)};
    }

    /** Einsum's coordinates: row-major index i over shape, each axis's coordinate stored at its letter in val. */
    private static void spread(int i, int[] shape, int[] letterOf, int[] val) {
        for (int a = shape.length - 1; a >= 0; a--) {
            val[letterOf[a]] = i % shape[a];
            i /= shape[a];
        }
    }

    /** w[i] = a0 - a1 cos(2 pi i / N) + a2 cos(4 pi i / N), N = size (periodic) or size - 1 (symmetric). */
    private static Arr[] window(Op n, Arr size, double[] a) {
        int len = (int) size.getL(0);
        double N = n.i("periodic", 1) != 0 ? len : len - 1;
        double[] o = new double[len];
        for (int i = 0; i < len; i++) {
            double v = a[0] - a[1] * StrictMath.cos(2 * Math.PI * i / N);
            if (a.length > 2) v += a[2] * StrictMath.cos(4 * Math.PI * i / N);
            o[i] = v;
        }
        return new Arr[] {K.cast(Arr.doubles(new int[] {len}, o), K.dtypeOf(n, n.i("output_datatype", 1)))};
    }

}
