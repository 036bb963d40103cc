package io.verity.engine.det.ops.shape;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import io.verity.protocol.tensor.DType;
import java.util.Arrays;
import java.util.Map;

/** Which elements: TopK, Unique, NonMaxSuppression, Compress, ReverseSequence, GatherND and the scatter family. */
public final class Indexing {
    private Indexing() {}

    public static void register(Map<String, Kernel> m) {
        m.put("TopK", Indexing::topk);
        m.put("ScatterElements", Indexing::scatterElements);
        m.put("Scatter", Indexing::scatterElements); // the opset-9 name of ScatterElements
        m.put("ScatterND", Indexing::scatterNd);
        m.put("GatherND", Indexing::gatherNd);
        m.put("Compress", Indexing::compress);
        m.put("ReverseSequence", Indexing::reverseSequence);
        m.put("Unique", Indexing::unique);
        m.put("NonMaxSuppression", Indexing::nms);
    }

    /** Stable: ties keep the lower index first, as the ONNX reference does. */
    private static Arr[] topk(Op n, Arr[] in, KernelContext c) {
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

    /** Updates are applied in index order, so with a reduction duplicates combine deterministically. */
    private static Arr[] scatterElements(Op n, Arr[] in, KernelContext c) {
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

    private static Arr[] scatterNd(Op n, Arr[] in, KernelContext c) {
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

    private static Arr[] gatherNd(Op n, Arr[] in, KernelContext c) {
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

    private static Arr[] compress(Op n, Arr[] in, KernelContext c) {
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

    private static Arr[] reverseSequence(Op n, Arr[] in, KernelContext c) {
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

    /** Unique elements (or slices along axis): sorted ascending (lexicographic for slices) or in first-seen order. */
    private static Arr[] unique(Op n, Arr[] in, KernelContext c) {
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
    private static Arr[] nms(Op n, Arr[] in, KernelContext c) {
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
}
