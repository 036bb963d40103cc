package io.verity.engine.det.ops.shape;

import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import io.verity.protocol.tensor.DType;
import java.util.Map;

/**
 * Resize and Upsample, modes nearest and (multi)linear. Linear interpolation sums the 2^s corner terms
 * (s = axes that actually resample) in float64, corners in binary counting order over the axes, and rounds
 * once; cubic the same over 4 taps per axis (Keys kernel). tf_crop_and_resize is not supported.
 */
public final class Resize {
    private Resize() {}

    public static void register(Map<String, Kernel> m) {
        m.put("Resize", Resize::resize);
        m.put("GridSample", Resize::gridSample);
        m.put("Upsample", (n, in, c) -> {
            float[] scales = n.opset < 9 ? n.floats("scales") : null;
            double[] s = new double[in[0].rank()];
            for (int i = 0; i < s.length; i++) s[i] = scales != null ? scales[i] : in[1].getD(i);
            return run(n, in[0], s, null, n.s("mode", "nearest"), "asymmetric", "floor");
        });
    }

    private static Arr[] resize(Op n, Arr[] in, KernelContext c) {
        Arr x = in[0];
        int r = x.rank();
        if (n.has("axes")) throw new OpException(n, "attribute axes is not supported");
        Arr scales, sizes = null;
        String ct, nm;
        if (n.opset < 11) {
            scales = in[1];
            ct = "asymmetric";
            nm = "floor";
        } else {
            scales = K.opt(in, 2);
            sizes = K.opt(in, 3);
            ct = n.s("coordinate_transformation_mode", "half_pixel");
            nm = n.s("nearest_mode", "round_prefer_floor");
        }
        if (scales != null && scales.size() == 0) scales = null;
        if (sizes != null && sizes.size() == 0) sizes = null;
        double[] s = new double[r];
        int[] out = null;
        if (scales != null) {
            for (int i = 0; i < r; i++) s[i] = scales.getD(i);
        } else if (sizes != null) {
            out = new int[r];
            String policy = n.s("keep_aspect_ratio_policy", "stretch");
            if (!policy.equals("stretch")) throw new OpException(n, "keep_aspect_ratio_policy must be stretch, got " + policy);
            for (int i = 0; i < r; i++) {
                out[i] = (int) sizes.getL(i);
                s[i] = (double) out[i] / x.shape[i];
            }
        } else {
            throw new OpException(n, "one of the inputs scales or sizes is required");
        }
        return run(n, x, s, out, n.s("mode", "nearest"), ct, nm);
    }

    private static Arr[] run(Op n, Arr x0, double[] s, int[] outGiven, String mode, String ct, String nm) {
        if (!mode.equals("nearest") && !mode.equals("linear") && !mode.equals("bilinear") && !mode.equals("cubic")) {
            throw new OpException(n, "mode must be nearest, linear or cubic, got " + mode);
        }
        if (ct.equals("tf_crop_and_resize")) throw new OpException(n, "coordinate_transformation_mode tf_crop_and_resize is not supported");
        boolean nearestMode = mode.equals("nearest");
        // Only interpolation needs float64 values; nearest copies elements as they are.
        Arr x = nearestMode ? x0 : K.cast(x0, x0.isFloat() ? DType.FLOAT64 : x0.dtype);
        int r = x.rank();
        int[] out = outGiven != null ? outGiven : new int[r];
        if (outGiven == null) for (int i = 0; i < r; i++) out[i] = (int) Math.floor(x.shape[i] * s[i]);
        boolean cubic = mode.equals("cubic"), linear = !mode.equals("nearest") && !cubic;
        double A = n.f("cubic_coeff_a", -0.75f);
        boolean excludeOutside = n.i("exclude_outside", 0) != 0;
        // Per axis and output coordinate: the input indices it reads ("taps", ascending) and their weights.
        int[][][] tapIdx = new int[r][][];
        double[][][] tapW = new double[r][][];
        boolean[] moves = new boolean[r];
        for (int a = 0; a < r; a++) {
            int len = out[a], in = x.shape[a];
            tapIdx[a] = new int[len][];
            tapW[a] = new double[len][];
            for (int o = 0; o < len; o++) {
                // With scales, ONNX uses the unrounded output length in*scale in the coordinate transform.
                double lenF = outGiven != null ? len : in * s[a];
                double xo = original(ct, o, s[a], lenF, in);
                if (!linear && !cubic) {
                    int idx = Math.max(0, Math.min(in - 1, nearest(nm, xo, s[a])));
                    tapIdx[a][o] = new int[] {idx};
                    tapW[a][o] = new double[] {1};
                } else if (linear) {
                    double xc = Math.max(0, Math.min(in - 1, xo));
                    int l = (int) Math.floor(xc);
                    double w = xc - l;
                    tapIdx[a][o] = new int[] {l, Math.min(l + 1, in - 1)};
                    tapW[a][o] = new double[] {1 - w, w};
                } else {
                    int x0i = (int) Math.floor(xo);
                    double t = xo - x0i;
                    double[] w = {cubic(A, t + 1), cubic(A, t), cubic(A, 1 - t), cubic(A, 2 - t)};
                    int[] idx = new int[4];
                    double sum = 0;
                    for (int k = 0; k < 4; k++) {
                        int raw = x0i - 1 + k;
                        if (excludeOutside && (raw < 0 || raw >= in)) w[k] = 0;
                        idx[k] = Math.max(0, Math.min(in - 1, raw));
                        sum += w[k];
                    }
                    if (excludeOutside) for (int k = 0; k < 4; k++) w[k] /= sum;
                    tapIdx[a][o] = idx;
                    tapW[a][o] = w;
                }
                if (len != in || tapIdx[a][o].length > 1 && tapW[a][o][0] != 1 || tapIdx[a][o][0] != o) moves[a] = true;
            }
        }
        int[] st = Arr.strides(x.shape);
        int total = Arr.size(out);
        if (!linear && !cubic) {
            // Nearest is a pure copy: gather straight from the input's own storage, one output row (last
            // axis) at a time with that axis' source indices computed once.
            int[] st0 = Arr.strides(x0.shape);
            int len = r == 0 ? 1 : out[r - 1], rows = len == 0 ? 0 : total / len;
            int[] last = new int[len], src = new int[total];
            for (int o = 0; o < len; o++) last[o] = r == 0 ? 0 : tapIdx[r - 1][o][0] * st0[r - 1];
            int[] coord = new int[Math.max(r - 1, 0)];
            for (int row = 0; row < rows; row++) {
                int base = 0;
                for (int a = 0; a < r - 1; a++) base += tapIdx[a][coord[a]][0] * st0[a];
                for (int o = 0, d = row * len; o < len; o++) src[d + o] = base + last[o];
                for (int a = r - 2; a >= 0; a--) {
                    if (++coord[a] < out[a]) break;
                    coord[a] = 0;
                }
            }
            return new Arr[] {x0.gather(out, src)};
        }
        int[] mv = new int[r];
        int sN = 0;
        for (int a = 0; a < r; a++) if (moves[a]) mv[sN++] = a;
        double[] o = new double[total];
        int[] coord = new int[r], tap = new int[r];
        for (int i = 0; i < total; i++) {
            int base = 0;
            for (int a = 0; a < r; a++) if (!moves[a]) base += tapIdx[a][coord[a]][0] * st[a];
            // Sum over the tap combinations of the moving axes, first moving axis outermost, taps ascending;
            // each weight is the product of the per-axis weights in axis order.
            double acc = 0;
            java.util.Arrays.fill(tap, 0);
            while (true) {
                double w = 1;
                int p = base;
                for (int q = 0; q < sN; q++) {
                    int a = mv[q], oc = coord[a];
                    w *= tapW[a][oc][tap[q]];
                    p += tapIdx[a][oc][tap[q]] * st[a];
                }
                if (w != 0) acc += w * x.getD(p);
                int q = sN - 1;
                while (q >= 0 && ++tap[q] == tapIdx[mv[q]][coord[mv[q]]].length) tap[q--] = 0;
                if (q < 0) break;
            }
            o[i] = acc;
            for (int a = r - 1; a >= 0; a--) {
                if (++coord[a] < out[a]) break;
                coord[a] = 0;
            }
        }
        return new Arr[] {K.cast(Arr.doubles(out, o), x0.dtype)};
    }

    /**
     * GridSample (2-D): each output pixel samples X at the grid's normalised (x, y); the taps (1 nearest, 2x2
     * bilinear, 4x4 bicubic) are summed row by row in float64 and rounded once.
     */
    private static Arr[] gridSample(Op n, Arr[] in, KernelContext c) {
        Arr x = K.cast(in[0], DType.FLOAT64), grid = in[1];
        if (x.rank() != 4) throw new OpException(n, "input X must be rank 4 (N,C,H,W), got rank " + x.rank());
        String mode = n.s("mode", n.opset >= 20 ? "linear" : "bilinear"), pad = n.s("padding_mode", "zeros");
        boolean align = n.i("align_corners", 0) != 0;
        int N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3], OH = grid.shape[1], OW = grid.shape[2];
        double[] o = new double[N * C * OH * OW];
        for (int b = 0; b < N; b++) for (int oy = 0; oy < OH; oy++) for (int ox = 0; ox < OW; ox++) {
            int g = ((b * OH + oy) * OW + ox) * 2;
            double px = denorm(grid.getD(g), W, align), py = denorm(grid.getD(g + 1), H, align);
            for (int ch = 0; ch < C; ch++) {
                int base = (b * C + ch) * H * W;
                double v;
                switch (mode) {
                    case "nearest" -> v = pixel(x, base, H, W, (int) Math.rint(py), (int) Math.rint(px), pad, align);
                    case "bicubic", "cubic" -> {
                        int x0 = (int) Math.floor(px) - 1, y0 = (int) Math.floor(py) - 1;
                        double tx = px - Math.floor(px), ty = py - Math.floor(py);
                        double[] wx = {cubic(-0.75, tx + 1), cubic(-0.75, tx), cubic(-0.75, 1 - tx), cubic(-0.75, 2 - tx)};
                        double[] wy = {cubic(-0.75, ty + 1), cubic(-0.75, ty), cubic(-0.75, 1 - ty), cubic(-0.75, 2 - ty)};
                        v = 0;
                        for (int i = 0; i < 4; i++) {
                            double row = 0;
                            for (int j = 0; j < 4; j++) row += wx[j] * pixel(x, base, H, W, y0 + i, x0 + j, pad, align);
                            v += wy[i] * row;
                        }
                    }
                    default -> {
                        int x0 = (int) Math.floor(px), y0 = (int) Math.floor(py);
                        double tx = px - x0, ty = py - y0;
                        double top = (1 - tx) * pixel(x, base, H, W, y0, x0, pad, align) + tx * pixel(x, base, H, W, y0, x0 + 1, pad, align);
                        double bot = (1 - tx) * pixel(x, base, H, W, y0 + 1, x0, pad, align) + tx * pixel(x, base, H, W, y0 + 1, x0 + 1, pad, align);
                        v = (1 - ty) * top + ty * bot;
                    }
                }
                o[((b * C + ch) * OH + oy) * OW + ox] = v;
            }
        }
        return new Arr[] {K.cast(Arr.doubles(new int[] {N, C, OH, OW}, o), in[0].dtype)};
    }

    private static double denorm(double g, int len, boolean align) {
        return align ? (g + 1) / 2 * (len - 1) : ((g + 1) * len - 1) / 2;
    }

    /** X at (y, x) with the padding mode applied to out-of-range coordinates. */
    private static double pixel(Arr x, int base, int H, int W, int y, int xx, String pad, boolean align) {
        if (y >= 0 && y < H && xx >= 0 && xx < W) return x.d[base + y * W + xx];
        switch (pad) {
            case "border" -> {
                y = Math.max(0, Math.min(H - 1, y));
                xx = Math.max(0, Math.min(W - 1, xx));
            }
            case "reflection" -> {
                y = reflect(y, H, align);
                xx = reflect(xx, W, align);
            }
            default -> {
                return 0;
            }
        }
        return x.d[base + y * W + xx];
    }

    private static int reflect(int v, int len, boolean align) {
        // Integer taps reflect about the edges (align_corners) or the half-pixel borders (otherwise).
        if (len == 1) return 0;
        if (align) {
            int period = 2 * (len - 1);
            v = Math.floorMod(v, period);
            return v >= len ? period - v : v;
        }
        int period = 2 * len;
        v = Math.floorMod(v, period);
        return v >= len ? period - 1 - v : v;
    }

    /** Keys' cubic convolution kernel with coefficient A at distance d (0 <= d <= 2). */
    private static double cubic(double A, double d) {
        if (d <= 1) return ((A + 2) * d - (A + 3)) * d * d + 1;
        return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A;
    }

    private static double original(String ct, int o, double scale, double outLen, int inLen) {
        return switch (ct) {
            case "half_pixel" -> (o + 0.5) / scale - 0.5;
            case "half_pixel_symmetric" -> {
                double adj = outLen / (scale * inLen), center = inLen / 2.0, off = center * (1 - adj);
                yield off + (o + 0.5) / scale - 0.5;
            }
            case "tf_half_pixel_for_nn" -> (o + 0.5) / scale;
            case "pytorch_half_pixel" -> outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
            case "align_corners" -> outLen == 1 ? 0 : o * (double) (inLen - 1) / (outLen - 1);
            default -> o / scale; // asymmetric
        };
    }

    private static int nearest(String mode, double x, double scale) {
        return switch (mode) {
            case "floor" -> (int) Math.floor(x);
            case "ceil" -> (int) Math.ceil(x);
            case "round_prefer_ceil" -> (int) Math.floor(x + 0.5);
            default -> x == Math.floor(x) + 0.5 ? (int) Math.floor(x) : (int) Math.round(x); // round_prefer_floor
        };
    }
}
