package io.verity.engine.det;

import io.verity.engine.det.Interp.Kernel;
import io.verity.protocol.tensor.DType;
import java.util.Arrays;
import java.util.Map;

/** Losses, Dropout (inference only), CumSum, TopK, EyeLike, Shrink, LRN, scatter/gather variants. */
final class Misc {
    private Misc() {}

    static void register(Map<String, Kernel> m) {
        m.put("Dropout", Misc::dropout);
        m.put("NegativeLogLikelihoodLoss", (n, in, c) -> nll(n, in[0], in[1], K.opt(in, 2)));
        m.put("SoftmaxCrossEntropyLoss", Misc::softmaxCrossEntropy);
        m.put("CumSum", Misc::cumsum);
        m.put("TopK", Misc::topk);
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
        m.put("LRN", Misc::lrn);
        m.put("ScatterElements", Misc::scatterElements);
        m.put("GatherND", Misc::gatherNd);
        m.put("Einsum", Misc::einsum);
        m.put("NonMaxSuppression", Misc::nms);
        m.put("Unique", Misc::unique);
        m.put("MatMulInteger", Misc::matMulInteger);
        m.put("ConvInteger", Misc::convInteger);
        m.put("Det", Misc::det);
        m.put("QuantizeLinear", Misc::quantize);
        m.put("DequantizeLinear", Misc::dequantize);
        m.put("DynamicQuantizeLinear", Misc::dynamicQuantize);
        m.put("Scatter", Misc::scatterElements); // the opset-9 name of ScatterElements
        m.put("ScatterND", Misc::scatterNd);
        m.put("Compress", Misc::compress);
        m.put("ReverseSequence", Misc::reverseSequence);
        m.put("HannWindow", (n, in, c) -> window(n, in[0], new double[] {0.5, 0.5}));
        m.put("HammingWindow", (n, in, c) -> window(n, in[0], new double[] {25.0 / 46, 21.0 / 46}));
        m.put("BlackmanWindow", (n, in, c) -> window(n, in[0], new double[] {0.42, 0.5, 0.08}));
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

    private static Arr[] dropout(Op n, Arr[] in, Interp.Ctx c) {
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

    private static Arr[] softmaxCrossEntropy(Op n, Arr[] in, Interp.Ctx c) {
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
    private static Arr[] cumsum(Op n, Arr[] in, Interp.Ctx c) {
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

    /** Stable: ties keep the lower index first, as the ONNX reference does. */
    private static Arr[] topk(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0];
        int k = (int) (n.opset < 10 ? n.i("k", 1) : in[1].getL(0));
        int ax = K.axis(n, n.i("axis", -1), x.rank());
        boolean largest = n.i("largest", 1) != 0;
        int outer = 1, inner = 1, dim = x.shape[ax];
        for (int i = 0; i < ax; i++) outer *= x.shape[i];
        for (int i = ax + 1; i < x.rank(); i++) inner *= x.shape[i];
        int[] out = x.shape.clone();
        out[ax] = k;
        int[] src = new int[Arr.size(out)];
        long[] idx = new long[src.length];
        final int fdim = dim, finner = inner;
        for (int a = 0; a < outer; a++) {
            for (int b = 0; b < inner; b++) {
                Integer[] order = new Integer[dim];
                for (int i = 0; i < dim; i++) order[i] = i;
                final int fa = a, fb = b;
                Arrays.sort(order, (p, q) -> {
                    int cmp = Double.compare(x.getD((fa * fdim + p) * finner + fb), x.getD((fa * fdim + q) * finner + fb));
                    return largest ? -cmp : cmp;
                });
                for (int j = 0; j < k; j++) {
                    int o = (a * k + j) * inner + b;
                    src[o] = (a * dim + order[j]) * inner + b;
                    idx[o] = order[j];
                }
            }
        }
        return new Arr[] {x.gather(out, src), Arr.longs(DType.INT64, out, idx)};
    }

    /** LRN: square sum over the channel window in ascending channel order, float64. */
    private static Arr[] lrn(Op n, Arr[] in, Interp.Ctx c) {
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

    /** Updates are applied in index order, so with a reduction duplicates combine deterministically. */
    private static Arr[] scatterElements(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0], idx = in[1], upd = in[2];
        int r = x.rank();
        int ax = K.axis(n, n.i("axis", 0), r);
        String red = n.s("reduction", "none");
        if (!java.util.List.of("none", "add", "mul", "max", "min").contains(red)) {
            throw new OpException(n, "reduction must be one of none, add, mul, max, min, got " + red);
        }
        Arr d = K.cast(x, x.l != null ? x.dtype : DType.FLOAT64);
        double[] od = d.d == null ? null : d.d.clone();
        long[] ol = d.l == null ? null : d.l.clone();
        int[] xs = Arr.strides(x.shape), is = Arr.strides(idx.shape);
        for (int i = 0; i < idx.size(); i++) {
            int rem = i, dst = 0;
            for (int a = 0; a < r; a++) {
                int cidx = rem / is[a];
                rem %= is[a];
                if (a == ax) {
                    long v = idx.getL(i);
                    if (v < 0) v += x.shape[ax];
                    cidx = (int) v;
                }
                dst += cidx * xs[a];
            }
            if (od != null) {
                double u = upd.getD(i), cur = od[dst];
                od[dst] = switch (red) {
                    case "add" -> x.f != null ? (float) (cur + u) : cur + u;
                    case "mul" -> x.f != null ? (float) (cur * u) : cur * u;
                    case "max" -> Math.max(cur, u);
                    case "min" -> Math.min(cur, u);
                    default -> u;
                };
            } else {
                long u = upd.getL(i), cur = ol[dst];
                ol[dst] = Arr.wrap(x.dtype, switch (red) {
                    case "add" -> cur + u;
                    case "mul" -> cur * u;
                    case "max" -> Math.max(cur, u);
                    case "min" -> Math.min(cur, u);
                    default -> u;
                });
            }
        }
        return new Arr[] {od != null ? K.cast(Arr.doubles(x.shape, od), x.dtype) : Arr.longs(x.dtype, x.shape, ol)};
    }

    /** (A - a_zero_point) x (B - b_zero_point) in exact integer arithmetic, int32 result. */
    private static Arr[] matMulInteger(Op n, Arr[] in, Interp.Ctx c) {
        Arr a = in[0], b = in[1];
        Arr az = K.opt(in, 2), bz = K.opt(in, 3);
        int M = a.shape[a.rank() - 2], Kd = a.shape[a.rank() - 1], N = b.shape[b.rank() - 1];
        if (a.rank() != 2 || b.rank() != 2) throw new OpException(n, "inputs must be rank 2, got " + a.rank() + " and " + b.rank());
        long[] o = new long[M * N];
        for (int i = 0; i < M; i++) {
            long za = az == null ? 0 : az.size() == 1 ? az.l[0] : az.l[i];
            for (int j = 0; j < N; j++) {
                long zb = bz == null ? 0 : bz.size() == 1 ? bz.l[0] : bz.l[j];
                long acc = 0;
                for (int k = 0; k < Kd; k++) acc += (a.l[i * Kd + k] - za) * (b.l[k * N + j] - zb);
                o[i * N + j] = (int) acc;
            }
        }
        return new Arr[] {Arr.longs(DType.INT32, new int[] {M, N}, o)};
    }

    /** ConvInteger: subtract the zero points, run the (exact, since every value is a small integer) float64 conv path. */
    private static Arr[] convInteger(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0], w = in[1], xz = K.opt(in, 2), wz = K.opt(in, 3);
        float[] xf = new float[x.size()], wf = new float[w.size()];
        for (int i = 0; i < xf.length; i++) xf[i] = x.l[i] - (xz == null ? 0 : xz.l[0]);
        for (int i = 0; i < wf.length; i++) wf[i] = w.l[i] - (wz == null ? 0 : wz.l[0]);
        double mx = 0, mw = 0;
        for (float v : xf) mx = Math.max(mx, Math.abs(v));
        for (float v : wf) mw = Math.max(mw, Math.abs(v));
        if ((double) (w.size() / w.shape[0]) * mx * mw >= 0x1p24) {
            throw new OpException(n, "sums may reach 2^24, beyond what the float32 Conv path holds exactly; expected smaller kernels");
        }
        Arr y = Ops.kernel("Conv").run(n, new Arr[] {Arr.floats(x.shape, xf), Arr.floats(w.shape, wf)}, c)[0];
        long[] o = new long[y.size()];
        for (int i = 0; i < o.length; i++) o[i] = (long) y.f[i]; // |sums| < 2^24 (checked above): exact in float32
        return new Arr[] {Arr.longs(DType.INT32, y.shape, o)};
    }

    /** Determinant by Gaussian elimination with partial pivoting (first maximal |pivot|), float64. */
    private static Arr[] det(Op n, Arr[] in, Interp.Ctx c) {
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

    /** Unique elements (or slices along axis): sorted ascending (lexicographic for slices) or in first-seen order. */
    private static Arr[] unique(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0];
        boolean sorted = n.i("sorted", 1) != 0;
        Arr t = n.has("axis") ? x : x.reshape(new int[] {x.size()});
        int ax = n.has("axis") ? K.axis(n, n.i("axis", 0), x.rank()) : 0;
        int dim = t.shape[ax], outer = 1, inner = 1;
        for (int a = 0; a < ax; a++) outer *= t.shape[a];
        for (int a = ax + 1; a < t.rank(); a++) inner *= t.shape[a];
        final int fo = outer, fi = inner, fd = dim;
        java.util.function.IntFunction<double[]> slice = k -> {
            double[] v = new double[fo * fi];
            for (int o = 0; o < fo; o++) for (int i = 0; i < fi; i++) v[o * fi + i] = t.getD((o * fd + k) * fi + i);
            return v;
        };
        java.util.Comparator<double[]> lex = (p, q) -> java.util.Arrays.compare(p, q);
        java.util.List<Integer> firsts = new java.util.ArrayList<>();
        java.util.List<double[]> keys = new java.util.ArrayList<>();
        long[] inverse = new long[dim];
        java.util.List<Long> counts = new java.util.ArrayList<>();
        for (int k = 0; k < dim; k++) {
            double[] v = slice.apply(k);
            int found = -1;
            for (int u = 0; u < keys.size(); u++) if (java.util.Arrays.equals(keys.get(u), v)) { found = u; break; }
            if (found < 0) {
                keys.add(v);
                firsts.add(k);
                counts.add(0L);
                found = keys.size() - 1;
            }
            inverse[k] = found;
            counts.set(found, counts.get(found) + 1);
        }
        Integer[] order = new Integer[keys.size()];
        for (int u = 0; u < order.length; u++) order[u] = u;
        if (sorted) java.util.Arrays.sort(order, (p, q) -> lex.compare(keys.get(p), keys.get(q)));
        int[] rank = new int[order.length];
        for (int r = 0; r < order.length; r++) rank[order[r]] = r;
        int[] outShape = t.shape.clone();
        outShape[ax] = order.length;
        int[] src = new int[Arr.size(outShape)];
        for (int o = 0; o < outer; o++) for (int r = 0; r < order.length; r++) for (int i = 0; i < inner; i++) {
            src[(o * order.length + r) * inner + i] = (o * dim + firsts.get(order[r])) * inner + i;
        }
        long[] idx = new long[order.length], cnt = new long[order.length], inv = new long[dim];
        for (int r = 0; r < order.length; r++) {
            idx[r] = firsts.get(order[r]);
            cnt[r] = counts.get(order[r]);
        }
        for (int k = 0; k < dim; k++) inv[k] = rank[(int) inverse[k]];
        return new Arr[] {t.gather(outShape, src), Arr.vector(idx), Arr.vector(inv), Arr.vector(cnt)};
    }

    /**
     * Greedy NMS per batch and class: candidates above score_threshold sorted by score descending (ties:
     * lower box index first), a box is kept when its IoU (float64) with every kept box is <= iou_threshold.
     */
    private static Arr[] nms(Op n, Arr[] in, Interp.Ctx c) {
        Arr boxes = in[0], scores = in[1];
        long maxOut = K.opt(in, 2) == null || in[2].size() == 0 ? 0 : in[2].getL(0);
        double iouTh = K.opt(in, 3) == null || in[3].size() == 0 ? 0 : in[3].getD(0);
        Arr st = K.opt(in, 4);
        boolean hasScoreTh = st != null && st.size() > 0;
        double scoreTh = hasScoreTh ? st.getD(0) : 0;
        boolean center = n.i("center_point_box", 0) != 0;
        int B = scores.shape[0], C = scores.shape[1], N = scores.shape[2];
        java.util.List<long[]> sel = new java.util.ArrayList<>();
        for (int b = 0; b < B; b++) {
            double[][] bx = new double[N][4];
            for (int i = 0; i < N; i++) {
                double a0 = boxes.getD((b * N + i) * 4), a1 = boxes.getD((b * N + i) * 4 + 1), a2 = boxes.getD((b * N + i) * 4 + 2),
                        a3 = boxes.getD((b * N + i) * 4 + 3);
                if (center) bx[i] = new double[] {a1 - a3 / 2, a0 - a2 / 2, a1 + a3 / 2, a0 + a2 / 2};
                else bx[i] = new double[] {Math.min(a0, a2), Math.min(a1, a3), Math.max(a0, a2), Math.max(a1, a3)};
            }
            for (int cl = 0; cl < C; cl++) {
                java.util.List<Integer> cand = new java.util.ArrayList<>();
                for (int i = 0; i < N; i++) if (!hasScoreTh || scores.getD((b * C + cl) * N + i) > scoreTh) cand.add(i);
                final int fb = b, fc = cl;
                cand.sort((p, q) -> {
                    int cmp = Double.compare(scores.getD((fb * C + fc) * N + q), scores.getD((fb * C + fc) * N + p));
                    return cmp != 0 ? cmp : Integer.compare(p, q);
                });
                java.util.List<Integer> kept = new java.util.ArrayList<>();
                for (int i : cand) {
                    if (kept.size() >= maxOut) break;
                    boolean ok = true;
                    for (int k : kept) if (iou(bx[i], bx[k]) > iouTh) { ok = false; break; }
                    if (ok) {
                        kept.add(i);
                        sel.add(new long[] {b, cl, i});
                    }
                }
            }
        }
        long[] o = new long[sel.size() * 3];
        for (int i = 0; i < sel.size(); i++) System.arraycopy(sel.get(i), 0, o, i * 3, 3);
        return new Arr[] {Arr.longs(DType.INT64, new int[] {sel.size(), 3}, o)};
    }

    private static double iou(double[] a, double[] b) {
        double iy = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])), ix = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
        double inter = iy * ix;
        double union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
        return union <= 0 ? 0 : inter / union;
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
    private static Arr[] quantize(Op n, Arr[] in, Interp.Ctx c) {
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
    private static Arr[] dequantize(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0], scale = in[1], zp = K.opt(in, 2);
        int ax = scale.size() == 1 ? 0 : K.axis(n, n.i("axis", 1), x.rank());
        double[] o = new double[x.size()];
        for (int i = 0; i < o.length; i++) o[i] = (x.getD(i) - param(n, zp, x, i, ax)) * param(n, scale, x, i, ax);
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), scale.dtype)};
    }

    /** The ONNX formula in float32: scale = (max(0, max x) - min(0, min x)) / 255, zero point rounded and saturated. */
    private static Arr[] dynamicQuantize(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0];
        double mx = 0, mn = 0;
        for (int i = 0; i < x.size(); i++) {
            mx = Math.max(mx, x.getD(i));
            mn = Math.min(mn, x.getD(i));
        }
        // float32 arithmetic, as the ONNX definition computes it
        float scale = (float) ((float) mx - (float) mn) / 255f;
        double zp = Math.max(0, Math.min(255, Math.rint(0f - (float) mn / scale)));
        long[] o = new long[x.size()];
        for (int i = 0; i < o.length; i++) o[i] = (long) Math.max(0, Math.min(255, Math.rint((float) x.getD(i) / scale) + zp));
        return new Arr[] {Arr.longs(DType.UINT8, x.shape, o), Arr.floats(new int[0], new float[] {scale}),
                Arr.longs(DType.UINT8, new int[0], new long[] {(long) zp})};
    }

    /**
     * Einsum by its definition: for each output element, the summed letters are enumerated in row-major
     * order (letters in order of first appearance), the operand values multiplied in operand order in
     * float64, the products added in float64, one rounding at the end. "..." is expanded to letters.
     */
    private static Arr[] einsum(Op n, Arr[] in, Interp.Ctx c) {
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

    private static Arr[] scatterNd(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0], idx = in[1], upd = in[2];
        String red = n.s("reduction", "none");
        if (!red.equals("none")) return scatterNdReduce(n, x, idx, upd, red);
        int q = idx.rank(), last = idx.shape[q - 1];
        int[] xs = Arr.strides(x.shape);
        int slice = Arr.size(java.util.Arrays.copyOfRange(x.shape, last, x.rank()));
        Arr all = Shapes.concatFlat(x.reshape(new int[] {x.size()}), upd.reshape(new int[] {upd.size()}));
        int[] src = new int[x.size()];
        for (int i = 0; i < src.length; i++) src[i] = i;
        int tuples = idx.size() / last;
        for (int t = 0; t < tuples; t++) {
            int base = tupleOffset(x, xs, idx, last, t);
            for (int s2 = 0; s2 < slice; s2++) src[base + s2] = x.size() + t * slice + s2;
        }
        return new Arr[] {all.gather(x.shape, src)};
    }

    /** ScatterND: where index tuple t of idx (its last axis, negatives from the end) starts in x's flat data. */
    private static int tupleOffset(Arr x, int[] xs, Arr idx, int last, int t) {
        int base = 0;
        for (int j = 0; j < last; j++) {
            long v = idx.getL(t * last + j);
            if (v < 0) v += x.shape[j];
            base += (int) v * xs[j];
        }
        return base;
    }

    /** ScatterND with a reduction: updates applied in index order, float64 for floats (rounded per update). */
    private static Arr[] scatterNdReduce(Op n, Arr x, Arr idx, Arr upd, String red) {
        if (!java.util.List.of("add", "mul", "max", "min").contains(red)) {
            throw new OpException(n, "reduction must be one of none, add, mul, max, min, got " + red);
        }
        int last = idx.shape[idx.rank() - 1];
        int[] xs = Arr.strides(x.shape);
        int slice = Arr.size(java.util.Arrays.copyOfRange(x.shape, last, x.rank()));
        double[] o = new double[x.size()];
        for (int i = 0; i < o.length; i++) o[i] = x.getD(i);
        int tuples = idx.size() / last;
        for (int t = 0; t < tuples; t++) {
            int base = tupleOffset(x, xs, idx, last, t);
            for (int s2 = 0; s2 < slice; s2++) {
                double cur = o[base + s2], u = upd.getD(t * slice + s2);
                double r = switch (red) {
                    case "add" -> cur + u;
                    case "mul" -> cur * u;
                    case "max" -> Math.max(cur, u);
                    default -> Math.min(cur, u);
                };
                o[base + s2] = x.f != null ? (float) r : r;
            }
        }
        return new Arr[] {K.cast(Arr.doubles(x.shape, o), x.dtype)};
    }

    private static Arr[] compress(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0], cond = in[1];
        if (!n.has("axis")) x = x.reshape(new int[] {x.size()});
        int r = x.rank();
        int ax = K.axis(n, n.i("axis", 0), r);
        java.util.List<Integer> keep = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(cond.size(), x.shape[ax]); i++) if (cond.getL(i) != 0) keep.add(i);
        int[] out = x.shape.clone();
        out[ax] = keep.size();
        int[] xs = Arr.strides(x.shape);
        Arr xx = x;
        return new Arr[] {xx.gather(out, Shapes.map(out, coord -> {
            int p = 0;
            for (int a = 0; a < r; a++) p += (a == ax ? keep.get(coord[a]) : coord[a]) * xs[a];
            return p;
        }))};
    }

    private static Arr[] reverseSequence(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0], lens = in[1];
        int ba = (int) n.i("batch_axis", 1), ta = (int) n.i("time_axis", 0);
        int[] xs = Arr.strides(x.shape);
        return new Arr[] {x.gather(x.shape, Shapes.map(x.shape, coord -> {
            int len = (int) lens.getL(coord[ba]);
            int p = 0;
            for (int a = 0; a < x.rank(); a++) {
                int v = coord[a];
                if (a == ta && v < len) v = len - 1 - v;
                p += v * xs[a];
            }
            return p;
        }))};
    }

    private static Arr[] gatherNd(Op n, Arr[] in, Interp.Ctx c) {
        Arr x = in[0], idx = in[1];
        int bd = (int) n.i("batch_dims", 0);
        int q = idx.rank(), last = idx.shape[q - 1], r = x.rank();
        int batch = 1;
        for (int i = 0; i < bd; i++) batch *= x.shape[i];
        int slice = 1;
        for (int i = bd + last; i < r; i++) slice *= x.shape[i];
        int[] out = new int[q - 1 + r - bd - last];
        int k = 0;
        for (int i = 0; i < q - 1; i++) out[k++] = idx.shape[i];
        for (int i = bd + last; i < r; i++) out[k++] = x.shape[i];
        int tuples = idx.size() / last, perBatch = tuples / batch;
        int[] xs = Arr.strides(x.shape);
        int batchStride = bd == 0 ? 0 : xs[bd - 1];
        int[] src = new int[tuples * slice];
        for (int t = 0; t < tuples; t++) {
            int base = (t / Math.max(perBatch, 1)) * batchStride;
            for (int j = 0; j < last; j++) {
                long v = idx.getL(t * last + j);
                if (v < 0) v += x.shape[bd + j];
                base += (int) v * xs[bd + j];
            }
            for (int s = 0; s < slice; s++) src[t * slice + s] = base + s;
        }
        return new Arr[] {x.gather(out, src)};
    }
}
