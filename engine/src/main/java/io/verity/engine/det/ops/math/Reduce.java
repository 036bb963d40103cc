package io.verity.engine.det.ops.math;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.ops.shape.Shapes;
import io.verity.engine.det.tensor.Arr;
import io.verity.protocol.tensor.DType;
import java.util.Arrays;
import java.util.Map;

/**
 * Reductions. The reduced elements of each output are visited in row-major order of the reduced axes;
 * sums and products accumulate in float64 (int64 for integer inputs) and are rounded once at the end.
 */
public final class Reduce {
    private Reduce() {}

    public static void register(Map<String, Kernel> m) {
        for (String op : new String[] {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
            m.put(op, Reduce::reduce);
        }
        m.put("ArgMax", (n, in, c) -> arg(n, in[0], true));
        m.put("ArgMin", (n, in, c) -> arg(n, in[0], false));
    }

    /** Moves the reduced axes last; returns the permuted tensor and the kept shape (keepdims form). */
    private static Arr[] reduce(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        int r = x.rank();
        boolean axesAsInput = n.opset >= 18 || (n.op.equals("ReduceSum") && n.opset >= 13);
        long[] axes = axesAsInput ? (K.opt(in, 1) == null ? null : in[1].longValues()) : n.ints("axes");
        boolean keep = n.i("keepdims", 1) != 0;
        if ((axes == null || axes.length == 0) && n.i("noop_with_empty_axes", 0) != 0) return new Arr[] {x};
        boolean[] red = new boolean[r];
        if (axes == null || axes.length == 0) Arrays.fill(red, true);
        else for (long a : axes) red[K.axis(n, a, r)] = true;
        int[] perm = new int[r];
        int k = 0;
        for (int i = 0; i < r; i++) if (!red[i]) perm[k++] = i;
        int kept = k;
        for (int i = 0; i < r; i++) if (red[i]) perm[k++] = i;
        boolean identity = true;
        for (int i = 0; i < r; i++) identity &= perm[i] == i;
        Arr t = identity ? x : Shapes.transpose(x, perm); // reducing the last axes (LayerNorm's means) needs no copy
        int inner = 1;
        for (int i = kept; i < r; i++) inner *= t.shape[i];
        int outer = x.size() / Math.max(inner, 1);
        if (inner == 0) outer = 1;
        for (int i = 0; i < kept; i++) if (x.shape[perm[i]] == 0) outer = 0;
        int[] outShape = new int[keep ? r : kept];
        for (int i = 0, j = 0; i < r; i++) {
            if (keep) outShape[i] = red[i] ? 1 : x.shape[i];
            else if (!red[i]) outShape[j++] = x.shape[i];
        }
        String op = n.op;
        if (x.l != null && (op.equals("ReduceSum") || op.equals("ReduceProd") || op.equals("ReduceMax") || op.equals("ReduceMin")
                || op.equals("ReduceSumSquare") || op.equals("ReduceL1"))) {
            long[] o = new long[outer];
            for (int a = 0; a < outer; a++) {
                long acc = op.equals("ReduceProd") ? 1 : op.equals("ReduceMax") ? Long.MIN_VALUE : op.equals("ReduceMin") ? Long.MAX_VALUE : 0;
                for (int i = 0; i < inner; i++) {
                    long v = t.l[a * inner + i];
                    acc = switch (op) {
                        case "ReduceProd" -> acc * v;
                        case "ReduceMax" -> Math.max(acc, v);
                        case "ReduceMin" -> Math.min(acc, v);
                        case "ReduceSumSquare" -> acc + v * v;
                        case "ReduceL1" -> acc + Math.abs(v);
                        default -> acc + v;
                    };
                }
                o[a] = Arr.wrap(x.dtype, acc);
            }
            return new Arr[] {Arr.longs(x.dtype, outShape, o)};
        }
        double[] o = new double[outer];
        // the summed term, chosen once (a string switch per element was a tenth of a LayerNorm's reductions)
        int kind = op.equals("ReduceL1") ? 1 : op.equals("ReduceL2") || op.equals("ReduceSumSquare") ? 2 : 0;
        for (int a = 0; a < outer; a++) {
            int base = a * inner;
            double acc;
            switch (op) {
                case "ReduceMax", "ReduceMin" -> {
                    boolean mx = op.equals("ReduceMax");
                    acc = mx ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                    for (int i = 0; i < inner; i++) {
                        double v = t.getD(base + i);
                        if (Double.isNaN(v) || (mx ? v > acc : v < acc)) acc = v;
                    }
                }
                case "ReduceProd" -> {
                    acc = 1;
                    for (int i = 0; i < inner; i++) acc *= t.getD(base + i);
                }
                case "ReduceLogSumExp" -> {
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < inner; i++) mx = Math.max(mx, t.getD(base + i));
                    double s = 0;
                    for (int i = 0; i < inner; i++) s += StrictMath.exp(t.getD(base + i) - mx);
                    acc = Double.isInfinite(mx) ? mx : mx + StrictMath.log(s);
                }
                default -> {
                    acc = 0;
                    if (t.f != null && kind == 0) for (int i = 0; i < inner; i++) acc += t.f[base + i];
                    else if (t.f != null && kind == 2) {
                        for (int i = 0; i < inner; i++) {
                            double v = t.f[base + i];
                            acc += v * v;
                        }
                    } else {
                        for (int i = 0; i < inner; i++) {
                            double v = t.getD(base + i);
                            acc += kind == 1 ? Math.abs(v) : kind == 2 ? v * v : v;
                        }
                    }
                    acc = switch (op) {
                        case "ReduceMean" -> acc / inner;
                        case "ReduceL2" -> StrictMath.sqrt(acc);
                        case "ReduceLogSum" -> StrictMath.log(acc);
                        default -> acc;
                    };
                }
            }
            o[a] = acc;
        }
        Arr res = Arr.doubles(outShape, o);
        return new Arr[] {x.l != null ? K.cast(res, x.dtype) : K.cast(res, x.dtype)};
    }

    private static Arr[] arg(Op n, Arr x, boolean max) {
        int r = x.rank();
        int ax = K.axis(n, n.i("axis", 0), r);
        boolean keep = n.i("keepdims", 1) != 0, last = n.i("select_last_index", 0) != 0;
        int outer = 1, inner = 1, dim = x.shape[ax];
        for (int i = 0; i < ax; i++) outer *= x.shape[i];
        for (int i = ax + 1; i < r; i++) inner *= x.shape[i];
        long[] o = new long[outer * inner];
        for (int a = 0; a < outer; a++) {
            for (int b = 0; b < inner; b++) {
                int best = 0;
                double bv = x.getD(a * dim * inner + b);
                for (int k = 1; k < dim; k++) {
                    double v = x.getD((a * dim + k) * inner + b);
                    boolean better = max ? (last ? v >= bv : v > bv) : (last ? v <= bv : v < bv);
                    if (better) {
                        bv = v;
                        best = k;
                    }
                }
                o[a * inner + b] = best;
            }
        }
        int[] shape;
        if (keep) {
            shape = x.shape.clone();
            shape[ax] = 1;
        } else {
            shape = new int[r - 1];
            for (int i = 0, j = 0; i < r; i++) if (i != ax) shape[j++] = x.shape[i];
        }
        return new Arr[] {Arr.longs(DType.INT64, shape, o)};
    }
}
