package io.verity.engine.det.ops.nn;

import io.verity.engine.det.tensor.VectorModule;
import io.verity.engine.det.graph.K;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.ops.gemm.Dot;
import io.verity.engine.det.ops.gemm.Lanes;
import io.verity.engine.det.ops.gemm.Packed;
import io.verity.engine.det.ops.shape.Shapes;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Parallel;
import io.verity.engine.det.tensor.QuantizedWeights;
import io.verity.protocol.tensor.DType;
import java.util.Arrays;
import java.util.Map;

/**
 * Products and windows: MatMul, Gemm, Conv, ConvTranspose, pooling, and their integer forms. Sums follow
 * {@link Dot}'s contract: float64 accumulation in a stated ascending order, one rounding to float32 at the end.
 */
public final class Nn {
    private Nn() {}

    public static void register(Map<String, Kernel> m) {
        m.put("MatMul", Nn::matmul);
        m.put("Gemm", Nn::gemm);
        m.put("Conv", Nn::conv);
        m.put("ConvTranspose", Nn::convTranspose);
        m.put("MaxPool", (n, in, c) -> pool(n, in[0], true, c));
        m.put("AveragePool", (n, in, c) -> pool(n, in[0], false, c));
        m.put("GlobalAveragePool", (n, in, c) -> io.verity.engine.det.ops.pool.GlobalPool.global(in[0], false));
        m.put("GlobalMaxPool", (n, in, c) -> io.verity.engine.det.ops.pool.GlobalPool.global(in[0], true));
        m.put("MatMulInteger", Nn::matMulInteger);
        m.put("ConvInteger", Nn::convInteger);
    }

    /** Whether the products follow verity-det/3 (float32 fma sums) rather than /2 (float64 sums). */
    private static boolean fma(KernelContext c) {
        return c.arithmetic() == io.verity.engine.det.graph.Arithmetic.DET3;
    }

    private static Arr[] matmul(Op n, Arr[] in, KernelContext c) {
        Arr a = in[0], b = in[1];
        if (a.dtype != b.dtype || !a.isFloat()) {
            throw new OpException(n, "inputs must both be float32 or float64, got " + a.dtype.wireName() + " and " + b.dtype.wireName());
        }
        int[] as = a.rank() == 1 ? new int[] {1, a.shape[0]} : a.shape;
        int[] bs = b.rank() == 1 ? new int[] {b.shape[0], 1} : b.shape;
        if (bs[bs.length - 2] != as[as.length - 1]) { // named with the shapes as given, before 1-D operands gain a dim
            throw new OpException(n, "inner dimensions differ: " + Arrays.toString(a.shape) + " x " + Arrays.toString(b.shape));
        }
        Batched p = Batched.of(n, as, bs);
        int M = p.M, Kd = p.Kd, N = p.N, nb = p.ai.length;
        int[] ai = p.ai, bi = p.bi, out = p.out;
        Arr res;
        if (a.f != null) {
            float[] o = new float[nb * M * N];
            float[] packed = fma(c) && N >= Packed.COLS && Packed.available() ? Packed.of(n, b.f, M, Kd, N) : null;
            for (int q = 0; q < nb; q++) {
                if (packed != null) {
                    Packed.matmul(c.par(), M, N, Kd, a.f, ai[q] * M * Kd, Kd, b.f, bi[q] * Kd * N, N, packed, Packed.batch(bi[q], Kd, N), o, q * M * N, N);
                } else Dot.matmul(fma(c), c.par(), M, N, Kd, a.f, ai[q] * M * Kd, Kd, b.f, bi[q] * Kd * N, N, o, q * M * N, null, 0);
            }
            res = Arr.floats(out, o);
        } else {
            double[] o = new double[nb * M * N];
            for (int q = 0; q < nb; q++) Dot.matmul(M, N, Kd, a.d, ai[q] * M * Kd, b.d, bi[q] * Kd * N, o, q * M * N);
            res = Arr.doubles(out, o);
        }
        // Drop the dims that 1-D operands gained.
        int[] fin = out;
        if (a.rank() == 1 && b.rank() == 1) fin = new int[0];
        else if (a.rank() == 1) fin = dropAxis(out, out.length - 2);
        else if (b.rank() == 1) fin = dropAxis(out, out.length - 1);
        return new Arr[] {res.reshape(fin)};
    }

    /** A [..., M, K] x B [..., K, N]: the broadcast batch, each batch's operand indices, and the output shape. */
    private record Batched(int M, int Kd, int N, int[] ai, int[] bi, int[] out) {
        static Batched of(Op n, int[] as, int[] bs) {
            int M = as[as.length - 2], Kd = as[as.length - 1], N = bs[bs.length - 1];
            if (bs[bs.length - 2] != Kd) throw new OpException(n, "inner dimensions differ: " + Arrays.toString(as) + " x " + Arrays.toString(bs));
            int[] batch = K.broadcast(n, Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
            int[] out = Arrays.copyOf(batch, batch.length + 2);
            out[batch.length] = M;
            out[batch.length + 1] = N;
            return new Batched(M, Kd, N, K.bindex(batch, Arrays.copyOf(as, as.length - 2)),
                    K.bindex(batch, Arrays.copyOf(bs, bs.length - 2)), out);
        }
    }

    private static int[] dropAxis(int[] s, int ax) {
        int[] o = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) if (i != ax) o[j++] = s[i];
        return o;
    }

    /** Y = alpha * (A' B') + beta * C, evaluated as round32(alpha * sum + beta * C) in float64. */
    private static Arr[] gemm(Op n, Arr[] in, KernelContext c) {
        Arr a = K.floats(n, in, 0), b = K.floats(n, in, 1), cc = K.opt(in, 2);
        boolean ta = n.i("transA", 0) != 0, tb = n.i("transB", 0) != 0;
        double alpha = n.f("alpha", 1f), beta = n.f("beta", 1f);
        Arr A = ta ? Shapes.transpose(a, new int[] {1, 0}) : a, B = tb ? Shapes.transpose(b, new int[] {1, 0}) : b;
        int M = A.shape[0], Kd = A.shape[1], N = B.shape[1];
        if (B.shape[0] != Kd) throw new OpException(n, "inner dimensions differ: A' is " + Arrays.toString(A.shape) + ", B' is " + Arrays.toString(B.shape));
        double[] sum = new double[M * N];
        if (fma(c)) {
            float[] s = new float[M * N];
            Dot.matmul(true, c.par(), M, N, Kd, A.f, 0, Kd, B.f, 0, N, s, 0, null, 0);
            for (int i = 0; i < s.length; i++) sum[i] = s[i];
        } else {
            c.par().forEach(M, (long) N * Kd, i -> {
                double[] acc = new double[N];
                for (int k = 0; k < Kd; k++) {
                    double x = A.f[i * Kd + k];
                    for (int j = 0; j < N; j++) acc[j] += x * B.f[k * N + j];
                }
                System.arraycopy(acc, 0, sum, i * N, N);
            });
        }
        float[] o = new float[M * N];
        int[] out = {M, N};
        int[] ci = cc == null ? null : K.bindex(out, cc.shape);
        for (int i = 0; i < o.length; i++) {
            double v = alpha * sum[i];
            if (cc != null) v += beta * cc.getD(ci[i]);
            o[i] = (float) v;
        }
        return new Arr[] {Arr.floats(out, o)};
    }

    /** Spatial geometry of a 1-D or 2-D window operator (1-D is run as 2-D with height 1). */
    record Geo(int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl, int pb, int pr, int oh, int ow) {}

    static Geo geometry(Op n, int H, int W, int kh, int kw, boolean oneD, boolean ceil) {
        long[] st = n.ints("strides"), dl = n.ints("dilations"), pads = n.ints("pads");
        int sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
        if (oneD) {
            if (st != null) sw = (int) st[0];
            if (dl != null) dw = (int) dl[0];
            if (pads != null) { pl = (int) pads[0]; pr = (int) pads[1]; }
        } else {
            if (st != null) { sh = (int) st[0]; sw = (int) st[1]; }
            if (dl != null) { dh = (int) dl[0]; dw = (int) dl[1]; }
            if (pads != null) { pt = (int) pads[0]; pl = (int) pads[1]; pb = (int) pads[2]; pr = (int) pads[3]; }
        }
        String auto = n.s("auto_pad", "NOTSET");
        int ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
        int oh, ow;
        if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
            oh = (H + sh - 1) / sh;
            ow = (W + sw - 1) / sw;
            int th = Math.max(0, (oh - 1) * sh + ekh - H), tw = Math.max(0, (ow - 1) * sw + ekw - W);
            boolean upper = auto.equals("SAME_UPPER");
            pt = upper ? th / 2 : th - th / 2;
            pb = th - pt;
            pl = upper ? tw / 2 : tw - tw / 2;
            pr = tw - pl;
        } else {
            if (auto.equals("VALID")) pt = pl = pb = pr = 0;
            oh = out(H + pt + pb - ekh, sh, ceil) + 1;
            ow = out(W + pl + pr - ekw, sw, ceil) + 1;
            if (ceil) {
                if ((oh - 1) * sh >= H + pt) oh--;
                if ((ow - 1) * sw >= W + pl) ow--;
            }
        }
        return new Geo(kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow);
    }

    private static int out(int span, int s, boolean ceil) {
        return ceil ? Math.floorDiv(span + s - 1, s) : Math.floorDiv(span, s);
    }

    private static void requireSpatial(Op n, Arr x, String what) {
        if (x.rank() != 3 && x.rank() != 4) {
            throw new OpException(n, what + " must be rank 3 (N,C,W) or 4 (N,C,H,W), got " + Arrays.toString(x.shape));
        }
    }

    /**
     * Conv as a product with {@link Dot} read straight from the zero-padded, stride-phase-split input (im2col
     * only for negative pads; the row kernel for strided depthwise): for each output element the sum runs over
     * input channel (within the group), kernel row, kernel column, ascending; the bias is added after the sum;
     * one rounding.
     */
    private static Arr[] conv(Op n, Arr[] in, KernelContext c) {
        Arr x = K.floats(n, in, 0), w = K.floats(n, in, 1), bias = K.opt(in, 2);
        if (x.rank() >= 5) return new Arr[] {NdWindow.conv(n, x, w, bias, false)};
        requireSpatial(n, x, "input X");
        boolean oneD = x.rank() == 3;
        int N = x.shape[0], C = x.shape[1], H = oneD ? 1 : x.shape[2], W = x.shape[x.rank() - 1];
        int M = w.shape[0], Cg = w.shape[1], kh = oneD ? 1 : w.shape[2], kw = w.shape[w.rank() - 1];
        int G = (int) n.i("group", 1);
        if (Cg * G != C) throw new OpException(n, "weight has " + Cg + " channels per group x " + G + " groups, input has " + C);
        Geo g = geometry(n, H, W, kh, kw, oneD, false);
        int OH = g.oh, OW = g.ow, P = OH * OW, Kd = Cg * kh * kw, Mg = M / G;
        float[] o = new float[N * M * P];
        if (P == 0) return new Arr[] {Arr.floats(oneD ? new int[] {N, M, OW} : new int[] {N, M, OH, OW}, o)};
        boolean fma = fma(c);
        if (!fma && Cg == 1 && Mg == 1 && (g.sh > 1 || g.sw > 1 || (P <= 1024 && OW >= 64 && kw >= 4) || !finite(w.f))) {
            // Strided depthwise, and small planes of long rows (text lines: cls's 5x5 on 2-3 rows of 96) with
            // four or more taps a row, which it folds four at a time: the row kernel is faster than splitting
            // the input into phases (a copy). (On small square planes, det's, the product path stays faster.)
            // Non-finite weights: the depthwise kernel skips padding where the product path multiplies it.
            depthwise(c.par(), x.f, w.f, bias == null ? null : bias.f, o, N, C, H, W, g);
            return new Arr[] {Arr.floats(oneD ? new int[] {N, M, OW} : new int[] {N, M, OH, OW}, o)};
        }
        // No im2col: the input is zero-padded and split into sh x sw phase planes (plane (py, px) holds padded
        // rows py, py + sh, ... and columns px, px + sw, ...), so input channel ch, kernel row ky and column kx
        // of output pixel (oy, ox) is plane ((ky*dh) % sh, (kx*dw) % sw) at row oy + ky*dh / sh, column
        // ox + kx*dw / sw: a fixed offset tap[k] from the pixel's own position on a Wq-wide grid (whose extra
        // columns are computed and dropped). k = (ch * kh + ky) * kw + kx is im2col's row order and the padding
        // holds the zeros im2col held, so every output is the same sum in the same order. A depthwise weight
        // that is finite makes a padded tap add +-0, which leaves the sum unchanged (it is never -0), so the
        // depthwise kernel's skipped taps give the same bits too.
        if (g.pt < 0 || g.pl < 0 || g.pb < 0 || g.pr < 0) {
            // negative pads (cropping; outside the ONNX spec, kept working): im2col bands
            for (int b = 0; b < N; b++) {
                for (int gi = 0; gi < G; gi++) {
                    int band = Math.max(Dot.TILE, Math.min(P, (1 << 17) / Math.max(Kd, 1) / Dot.TILE * Dot.TILE));
                    int bands = (P + band - 1) / band, xOff = (b * C + gi * Cg) * H * W, oOff = (b * M + gi * Mg) * P, fgi = gi;
                    c.par().forEach(bands, (long) band * Kd * Mg, t -> {
                        int p0 = t * band, p1 = Math.min(P, p0 + band);
                        float[] tile = im2colBand(x.f, xOff, Cg, H, W, g, p0, p1);
                        Dot.matmul(fma, Parallel.SERIAL, Mg, p1 - p0, Kd, w.f, fgi * Mg * Kd, Kd, tile, 0, p1 - p0, o, oOff + p0, P,
                                bias == null ? null : bias.f, fgi * Mg);
                    });
                }
            }
            return new Arr[] {Arr.floats(oneD ? new int[] {N, M, OW} : new int[] {N, M, OH, OW}, o)};
        }
        int Hp = H + g.pt + g.pb, Wp = W + g.pl + g.pr, Hq = (Hp + g.sh - 1) / g.sh, Wq = (Wp + g.sw - 1) / g.sw;
        int plane = Hq * Wq, phases = g.sh * g.sw;
        // tap[k] = ((ry % sh * sw + rx % sw) * C + ch) * plane + ry / sh * Wq + rx / sw, its row and column
        // terms computed once (integer divisions per k were ~10% of PaddleOCR cls's run, in its 1x1 Convs)
        int[] tap = new int[Kd], rowTerm = new int[kh], colTerm = new int[kw];
        for (int ky = 0; ky < kh; ky++) rowTerm[ky] = ky * g.dh % g.sh * g.sw * C * plane + ky * g.dh / g.sh * Wq;
        for (int kx = 0; kx < kw; kx++) colTerm[kx] = kx * g.dw % g.sw * C * plane + kx * g.dw / g.sw;
        for (int ch = 0, k = 0; ch < Cg; ch++) {
            for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) tap[k++] = rowTerm[ky] + colTerm[kx] + ch * plane;
        }
        boolean copy = Hp != H || Wp != W || phases > 1;
        boolean fewPixels = P < 64 && Mg >= 4 * P;
        for (int b = 0; b < N; b++) {
            float[] xq = copy ? phases(x.f, b * C * H * W, C, H, W, g, Hq, Wq) : x.f;
            if (fewPixels) {
                // Few output pixels, many channels: the transposed product, vectorised along the channels
                // (the same sums: k ascending per output, bias after).
                int xb = copy ? 0 : b * C * H * W;
                float[] col = new float[P * Kd], wt = transposedWeights(w.f, G, Mg, Kd);
                for (int gi = 0; gi < G; gi++) {
                    for (int p = 0; p < P; p++) {
                        int q = xb + gi * Cg * plane + p / OW * Wq + p % OW;
                        for (int k = 0; k < Kd; k++) col[p * Kd + k] = xq[q + tap[k]];
                    }
                    Dot.matmulT(fma, c.par(), P, Mg, Kd, col, wt, gi * Kd * Mg, o, (b * M + gi * Mg) * P, P, bias == null ? null : bias.f, gi * Mg);
                }
            } else {
                Dot.taps(fma, c.par(), G, Mg, (OH - 1) * Wq + OW, Kd, w.f, 0, Mg * Kd, Kd, xq, copy ? 0 : b * C * H * W, Cg * plane, tap, Wq, OW,
                        o, b * M * P, Mg * P, P, bias == null ? null : bias.f, 0);
            }
            if (copy) release(xq);
        }
        int[] shape = oneD ? new int[] {N, M, OW} : new int[] {N, M, OH, OW};
        return new Arr[] {Arr.floats(shape, o)};
    }

    /**
     * Depthwise Conv (one input and one output channel per group): the same order as the general path
     * (ky then kx ascending, float64, bias after the sum), without materialising im2col.
     */
    static void depthwise(Parallel par, float[] x, float[] w, float[] bias, float[] o, int N, int C, int H, int W, Geo g) {
        int kh = g.kh(), kw = g.kw(), OH = g.oh(), OW = g.ow();
        par.forEach(N * C * OH, (long) OW * kh * kw, task -> {
            int oy = task % OH, nc = task / OH, ch = nc % C;
            double[] acc = OW <= Dot.TILE ? Dot.partials(1, OW)[0] : new double[OW];
            int xb = nc * H * W, wb = ch * kh * kw;
            for (int ky = 0; ky < kh; ky++) {
                int iy = oy * g.sh() - g.pt() + ky * g.dh();
                if (iy < 0 || iy >= H) continue;
                int xrow = xb + iy * W;
                int kx = 0;
                if (g.sw() == 1) {
                    // Four taps per pass where all four are inside the row, as one left-to-right expression
                    // (the same four additions in kx order); an output whose window crosses the border takes
                    // the inside taps of the four one by one, still in kx order.
                    for (; kx + 4 <= kw; kx += 4) {
                        int w0 = wb + ky * kw + kx, o0 = kx * g.dw() - g.pl(), d = g.dw();
                        double v0 = w[w0], v1 = w[w0 + 1], v2 = w[w0 + 2], v3 = w[w0 + 3];
                        // tap i is inside for ox in [max(0, -(o0 + i*d)), min(OW, W - (o0 + i*d))): the union of the
                        // four is [lo3, hi0), all four are inside on [lo0, hi3)
                        int lo3 = Math.max(0, -(o0 + 3 * d)), hi0 = Math.min(OW, W - o0);
                        int lo0 = Math.max(0, -o0), hi3 = Math.min(OW, W - (o0 + 3 * d));
                        int mid0 = lo0, mid1 = hi3;
                        if (mid1 <= mid0) mid0 = mid1 = Math.max(lo3, hi0);
                        for (int ox = lo3; ox < Math.min(mid0, hi0); ox++) acc[ox] = border(acc[ox], x, xrow + ox, o0, d, W, ox, w, w0);
                        for (int ox = mid0; ox < mid1; ox++) {
                            int r = xrow + ox + o0;
                            acc[ox] = acc[ox] + (double) x[r] * v0 + (double) x[r + d] * v1 + (double) x[r + 2 * d] * v2
                                    + (double) x[r + 3 * d] * v3;
                        }
                        for (int ox = mid1; ox < hi0; ox++) acc[ox] = border(acc[ox], x, xrow + ox, o0, d, W, ox, w, w0);
                    }
                }
                for (; kx < kw; kx++) {
                    double wv = w[wb + ky * kw + kx];
                    int off = kx * g.dw() - g.pl();
                    // ox range where ix = ox * sw + off is inside [0, W)
                    int lo = off >= 0 ? 0 : (-off + g.sw() - 1) / g.sw();
                    int hi = Math.min(OW, W - off <= 0 ? 0 : (W - off + g.sw() - 1) / g.sw());
                    if (g.sw() == 1) {
                        for (int ox = lo; ox < hi; ox++) acc[ox] += (double) x[xrow + ox + off] * wv;
                    } else {
                        for (int ox = lo; ox < hi; ox++) acc[ox] += (double) x[xrow + ox * g.sw() + off] * wv;
                    }
                }
            }
            double bv = bias == null ? 0 : bias[ch];
            int ob = (nc * OH + oy) * OW;
            if (bias == null) for (int ox = 0; ox < OW; ox++) o[ob + ox] = (float) acc[ox];
            else for (int ox = 0; ox < OW; ox++) o[ob + ox] = (float) (acc[ox] + bv);
        });
    }

    /** Taps kx..kx+3 of one output at column ox whose window crosses the row's border: the inside ones, in order. */
    private static double border(double a, float[] x, int xo, int o0, int d, int W, int ox, float[] w, int w0) {
        for (int i = 0; i < 4; i++) {
            int ix = ox + o0 + i * d;
            if (ix >= 0 && ix < W) a += (double) x[xo + o0 + i * d] * w[w0 + i];
        }
        return a;
    }

    /** Padded inputs of finished Convs for the next (a fresh array zeroed uncached memory: ~12% of PaddleOCR cls's
     * run); at most 4 of at most 1 MB, whatever the number of threads. Kernels never read past the planes' length. */
    private static final java.util.concurrent.ConcurrentLinkedDeque<float[]> PADDED = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private static final int PADDED_MAX = 1 << 18, PADDED_KEPT = 4;

    private static void release(float[] xq) { // a buffer of phases whose Conv is done with it
        if (xq.length <= PADDED_MAX && PADDED.size() < PADDED_KEPT) PADDED.offerFirst(xq);
    }

    /**
     * Channels [off, off + C * H * W) of x, zero-padded by g, as sh x sw phase planes [py][px][C][Hq][Wq]:
     * padded pixel (y, x) goes to plane (y % sh, x % sw) at (y / sh, x / sw). It may be a kept buffer (every element
     * written here), which the caller hands back with {@link #release} when no kernel reads it any more. */
    static float[] phases(float[] x, int off, int C, int H, int W, Geo g, int Hq, int Wq) {
        int len = g.sh * g.sw * C * Hq * Wq;
        float[] xq = len <= PADDED_MAX ? PADDED.pollFirst() : null;
        if (xq == null || xq.length < len) xq = new float[len];
        else if (g.sh > 1 || g.sw > 1) java.util.Arrays.fill(xq, 0, len, 0f);
        else { // stride 1, one plane per channel: its rows written once each, border zeros and copied pixels
            for (int ch = 0, q = 0; ch < C; ch++, q += Hq * Wq) {
                java.util.Arrays.fill(xq, q, q + g.pt * Wq, 0f);
                for (int y = 0, r = q + g.pt * Wq; y < H; y++, r += Wq) {
                    java.util.Arrays.fill(xq, r, r + g.pl, 0f);
                    System.arraycopy(x, off + (ch * H + y) * W, xq, r + g.pl, W);
                    java.util.Arrays.fill(xq, r + g.pl + W, r + Wq, 0f);
                }
                java.util.Arrays.fill(xq, q + (g.pt + H) * Wq, q + Hq * Wq, 0f);
            }
            return xq;
        }
        for (int ch = 0; ch < C; ch++) {
            for (int y = 0; y < H; y++) {
                int py = y + g.pt, src = off + (ch * H + y) * W;
                if (g.sw == 1) {
                    System.arraycopy(x, src, xq, ((py % g.sh * C + ch) * Hq + py / g.sh) * Wq + g.pl, W);
                    continue;
                }
                for (int cp = 0; cp < g.sw; cp++) {
                    int x0 = Math.floorMod(cp - g.pl, g.sw), d = (((py % g.sh * g.sw + cp) * C + ch) * Hq + py / g.sh) * Wq + (x0 + g.pl) / g.sw;
                    for (int xx = x0; xx < W; xx += g.sw) xq[d++] = x[src + xx];
                }
            }
        }
        return xq;
    }

    /**
     * Per group, the weights as Kd x Mg (k-major). Weights are usually initializers, the same array on every
     * run, so the copy is kept per array (weakly, by identity, with the layout it was made for: reshaped
     * tensors share arrays); a copy is exact, so sharing it cannot change a bit.
     */
    private record Transposed(int G, int Mg, int Kd, float[] t) {}

    private static final java.util.Map<float[], Transposed> TRANSPOSED = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    static float[] transposedWeights(float[] w, int G, int Mg, int Kd) {
        Transposed c = TRANSPOSED.get(w);
        if (c != null && c.G == G && c.Mg == Mg && c.Kd == Kd) return c.t;
        float[] t = new float[w.length];
        for (int gi = 0; gi < G; gi++) {
            for (int m = 0; m < Mg; m++) for (int k = 0; k < Kd; k++) t[(gi * Kd + k) * Mg + m] = w[(gi * Mg + m) * Kd + k];
        }
        TRANSPOSED.put(w, new Transposed(G, Mg, Kd, t));
        return t;
    }

    static boolean finite(float[] v) {
        for (float f : v) if (!Float.isFinite(f)) return false;
        return true;
    }

    /** The im2col rows for output pixels [p0, p1) only: (C * kh * kw) x (p1 - p0). */
    static float[] im2colBand(float[] x, int off, int C, int H, int W, Geo g, int p0, int p1) {
        int n = p1 - p0;
        float[] col = new float[C * g.kh * g.kw * n];
        for (int r = 0; r < C * g.kh * g.kw; r++) {
            int kx = r % g.kw, ky = (r / g.kw) % g.kh, ch = r / (g.kw * g.kh);
            int base = r * n, oy = p0 / g.ow, ox = p0 % g.ow;
            for (int p = 0; p < n; p++) {
                int iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) col[base + p] = x[off + (ch * H + iy) * W + ix];
                if (++ox == g.ow) {
                    ox = 0;
                    oy++;
                }
            }
        }
        return col;
    }

    /**
     * ConvTranspose by gathering: each output element sums x[c][iy][ix] * w[c][m][ky][kx] over input
     * channel c (within the group), ky, kx ascending, in float64; the bias is added last; one rounding.
     */
    private static Arr[] convTranspose(Op n, Arr[] in, KernelContext c) {
        Arr x = K.floats(n, in, 0), w = K.floats(n, in, 1), bias = K.opt(in, 2);
        if (x.rank() >= 5) {
            if (n.has("output_shape") || n.s("auto_pad", "NOTSET").startsWith("SAME")) {
                throw new OpException(n, "output_shape and SAME padding are supported for 1-D and 2-D only");
            }
            return new Arr[] {NdWindow.conv(n, x, w, bias, true)};
        }
        requireSpatial(n, x, "input X");
        boolean oneD = x.rank() == 3;
        int N = x.shape[0], C = x.shape[1], H = oneD ? 1 : x.shape[2], W = x.shape[x.rank() - 1];
        int G = (int) n.i("group", 1), Mg = w.shape[1], M = Mg * G, Cg = C / G;
        int kh = oneD ? 1 : w.shape[2], kw = w.shape[w.rank() - 1];
        long[] st = n.ints("strides"), dl = n.ints("dilations"), pads = n.ints("pads"), op = n.ints("output_padding"),
                os = n.ints("output_shape");
        int sh = oneD ? 1 : st == null ? 1 : (int) st[0], sw = st == null ? 1 : (int) st[st.length - 1];
        int dh = oneD ? 1 : dl == null ? 1 : (int) dl[0], dw = dl == null ? 1 : (int) dl[dl.length - 1];
        int oph = oneD ? 0 : op == null ? 0 : (int) op[0], opw = op == null ? 0 : (int) op[op.length - 1];
        int pt = 0, pl = 0, pb = 0, pr = 0;
        if (pads != null) {
            if (oneD) { pl = (int) pads[0]; pr = (int) pads[1]; }
            else { pt = (int) pads[0]; pl = (int) pads[1]; pb = (int) pads[2]; pr = (int) pads[3]; }
        }
        String auto = n.s("auto_pad", "NOTSET");
        int OH, OW;
        if (os != null || auto.startsWith("SAME")) {
            OH = oneD ? 1 : os != null ? (int) os[os.length - 2] : H * sh;
            OW = os != null ? (int) os[os.length - 1] : W * sw;
            int th = sh * (H - 1) + oph + ((kh - 1) * dh + 1) - OH, tw = sw * (W - 1) + opw + ((kw - 1) * dw + 1) - OW;
            boolean upper = !auto.equals("SAME_LOWER");
            pt = upper ? th / 2 : th - th / 2; pb = th - pt;
            pl = upper ? tw / 2 : tw - tw / 2; pr = tw - pl;
        } else {
            OH = sh * (H - 1) + oph + ((kh - 1) * dh + 1) - pt - pb;
            OW = sw * (W - 1) + opw + ((kw - 1) * dw + 1) - pl - pr;
        }
        float[] o = new float[N * M * OH * OW];
        if (kh == sh && kw == sw && dh == 1 && dw == 1 && pt + pl + pb + pr == 0 && oph + opw == 0 && OH == H * sh && OW == W * sw) {
            // Kernel = stride (the 2x upsampling of detection heads): each output pixel is reached by exactly one
            // kernel position (ky, kx) = (oy % sh, ox % sw), so its sum runs over the input channels alone. For
            // each (ky, kx) that is a product of w[., m, ky, kx] with the input, rounded then placed on its grid.
            float[] wt = new float[Mg * Cg], tmp = new float[Mg * H * W];
            for (int b = 0; b < N; b++) {
                for (int gi = 0; gi < G; gi++) {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            for (int mm = 0; mm < Mg; mm++) {
                                for (int cc = 0; cc < Cg; cc++) wt[mm * Cg + cc] = w.f[(((gi * Cg + cc) * Mg + mm) * kh + ky) * kw + kx];
                            }
                            Dot.matmul(fma(c), c.par(), Mg, H * W, Cg, wt, 0, Cg, x.f, (b * C + gi * Cg) * H * W, H * W, tmp, 0,
                                    bias == null ? null : bias.f, gi * Mg);
                            for (int mm = 0; mm < Mg; mm++) {
                                int ob = (b * M + gi * Mg + mm) * OH * OW;
                                for (int iy = 0; iy < H; iy++) {
                                    int orow = ob + (iy * sh + ky) * OW + kx, trow = (mm * H + iy) * W;
                                    for (int ix = 0; ix < W; ix++) o[orow + ix * sw] = tmp[trow + ix];
                                }
                            }
                        }
                    }
                }
            }
            return new Arr[] {Arr.floats(oneD ? new int[] {N, M, OW} : new int[] {N, M, OH, OW}, o)};
        }
        // For each output row/column, the (kernel index, input index) pairs that reach it, ascending kernel index:
        // the channel-independent part of the gather, computed once.
        int[][] ys = taps(OH, pt, kh, dh, sh, H), xs = taps(OW, pl, kw, dw, sw, W);
        final int fOH = OH, fOW = OW;
        // One task per output row; the row's accumulators advance together, so x is read along rows, while
        // each element still sums over cc, then ky, then kx ascending.
        c.par().forEach(N * M * OH, (long) OW * Cg * 2, task -> {
            int oy = task % fOH, nm = task / fOH, b = nm / M, m = nm % M, gi = m / Mg, mm = m % Mg;
            double bv = bias == null ? 0 : bias.f[m];
            int[] ty = ys[oy];
            double[] acc = new double[fOW];
            for (int cc = 0; cc < Cg; cc++) {
                int ch = gi * Cg + cc, xb = (b * C + ch) * H, wb = (ch * Mg + mm) * kh;
                for (int p = 0; p < ty.length; p += 2) {
                    int xrow = (xb + ty[p + 1]) * W, wrow = (wb + ty[p]) * kw;
                    for (int ox = 0; ox < fOW; ox++) {
                        int[] tx = xs[ox];
                        double a = acc[ox];
                        for (int q = 0; q < tx.length; q += 2) a += (double) x.f[xrow + tx[q + 1]] * w.f[wrow + tx[q]];
                        acc[ox] = a;
                    }
                }
            }
            int ob = ((b * M + m) * fOH + oy) * fOW;
            for (int ox = 0; ox < fOW; ox++) o[ob + ox] = (float) (acc[ox] + bv);
        });
        int[] shape = oneD ? new int[] {N, M, OW} : new int[] {N, M, OH, OW};
        return new Arr[] {Arr.floats(shape, o)};
    }

    /** Flattened (k, i) pairs with o + pad - k * dil = i * stride, 0 <= i < in, k ascending. */
    private static int[][] taps(int outLen, int pad, int k, int dil, int stride, int in) {
        int[][] t = new int[outLen][];
        for (int o = 0; o < outLen; o++) {
            int[] buf = new int[2 * k];
            int n = 0;
            for (int kk = 0; kk < k; kk++) {
                int d = o + pad - kk * dil;
                if (d < 0 || d % stride != 0 || d / stride >= in) continue;
                buf[n++] = kk;
                buf[n++] = d / stride;
            }
            t[o] = java.util.Arrays.copyOf(buf, n);
        }
        return t;
    }

    /** MaxPool (exact) or AveragePool: window sum in float64, ky then kx ascending, divided once, rounded once. */
    private static Arr[] pool(Op n, Arr x0, boolean max, KernelContext c) {
        if (x0.rank() >= 5) {
            if (n.outputs.size() > 1) throw new OpException(n, "Indices output is supported for 1-D and 2-D only");
            return new Arr[] {NdWindow.pool(n, x0, max)};
        }
        requireSpatial(n, x0, "input X");
        if (!x0.isFloat() && !max) throw new OpException(n, "input X must be float32 or float64, got " + x0.dtype.wireName());
        // float32 input is read in place (each element widened exactly as the float64 copy held it)
        Arr x = x0.f != null ? x0 : K.cast(x0, DType.FLOAT64);
        boolean oneD = x.rank() == 3;
        long[] ks = n.ints("kernel_shape");
        int N = x.shape[0], C = x.shape[1], H = oneD ? 1 : x.shape[2], W = x.shape[x.rank() - 1];
        int kh = oneD ? 1 : (int) ks[0], kw = (int) ks[ks.length - 1];
        Geo g = geometry(n, H, W, kh, kw, oneD, n.i("ceil_mode", 0) != 0);
        boolean includePad = n.i("count_include_pad", 0) != 0, colMajor = n.i("storage_order", 0) != 0;
        boolean indices = n.outputs.size() > 1 && !n.outputs.get(1).isEmpty();
        if (max && x.f != null && !indices) return new Arr[] {maxPoolFloats(c.par(), x, N, C, H, W, g, oneD)};
        double[] o = new double[N * C * g.oh * g.ow];
        long[] arg = new long[o.length];
        float[] xf = x.f;
        double[] xd = x.d;
        c.par().forEach(N * C, (long) g.oh * g.ow * kh * kw, nc -> {
            int base = nc * H * W;
            for (int oy = 0; oy < g.oh; oy++) {
                for (int ox = 0; ox < g.ow; ox++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int cnt = 0, best = -1;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * g.sh - g.pt + ky * g.dh;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * g.sw - g.pl + kx * g.dw;
                            boolean inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                            if (!inside) {
                                // count_include_pad counts the explicit padding, not the ceil_mode overhang
                                if (!max && includePad && iy < H + g.pb && ix < W + g.pr) cnt++;
                                continue;
                            }
                            double v = xf != null ? xf[base + iy * W + ix] : xd[base + iy * W + ix];
                            if (max) {
                                if (Double.isNaN(v) || v > acc || best < 0) {
                                    acc = v;
                                    best = colMajor ? base + ix * H + iy : base + iy * W + ix;
                                }
                            } else acc += v;
                            cnt++;
                        }
                    }
                    o[(nc * g.oh + oy) * g.ow + ox] = max ? acc : acc / cnt;
                    arg[(nc * g.oh + oy) * g.ow + ox] = best;
                }
            }
        });
        int[] shape = oneD ? new int[] {N, C, g.ow} : new int[] {N, C, g.oh, g.ow};
        return new Arr[] {K.cast(Arr.doubles(shape, o), x0.dtype), Arr.longs(DType.INT64, shape, arg)};
    }

    /**
     * float32 MaxPool without the Indices output: the general loop's values without its float64 copy and
     * index array. There an element replaces the running maximum when it is NaN or greater (or is the first,
     * which changes the value only when both are -inf: none); that rule runs here per output in the same
     * ky, kx order, one output row at a time, on float32 values (comparing float32 values in float64 is the
     * same comparison). An output whose window holds no input stays -inf, as before.
     */
    private static Arr maxPoolFloats(Parallel par, Arr x, int N, int C, int H, int W, Geo g, boolean oneD) {
        int OH = g.oh, OW = g.ow;
        float[] xf = x.f, o = new float[N * C * OH * OW];
        par.forEach(N * C * OH, (long) OW * g.kh * g.kw, task -> maxPoolRow(xf, o, task, H, W, OH, OW, g));
        return Arr.floats(oneD ? new int[] {N, C, OW} : new int[] {N, C, OH, OW}, o);
    }

    /** Output row {@code task} (= nc * OH + oy) of {@link #maxPoolFloats}; a method of its own so it compiles alone. */
    private static void maxPoolRow(float[] xf, float[] o, int task, int H, int W, int OH, int OW, Geo g) {
        int oy = task % OH, nc = task / OH, ob = task * OW;
        java.util.Arrays.fill(o, ob, ob + OW, Float.NEGATIVE_INFINITY);
        for (int ky = 0; ky < g.kh; ky++) {
            int iy = oy * g.sh - g.pt + ky * g.dh;
            if (iy < 0 || iy >= H) continue;
            int xrow = (nc * H + iy) * W;
            for (int kx = 0; kx < g.kw; kx++) {
                int off = kx * g.dw - g.pl;
                // ox range where ix = ox * sw + off is inside [0, W)
                int lo = off >= 0 ? 0 : (-off + g.sw - 1) / g.sw;
                int hi = Math.min(OW, W - off <= 0 ? 0 : (W - off + g.sw - 1) / g.sw);
                if (VectorModule.PRESENT) {
                    io.verity.engine.det.ops.pool.MaxPoolLanes.tap(xf, xrow, g.sw, off, o, ob, lo, hi);
                    continue;
                }
                for (int ox = lo; ox < hi; ox++) {
                    float v = xf[xrow + ox * g.sw + off];
                    if (v != v || v > o[ob + ox]) o[ob + ox] = v;
                }
            }
        }
    }

    /**
     * (A - a_zero_point) x (B - b_zero_point) in exact integer arithmetic, int32 result, with MatMul's batch
     * broadcasting (transformers quantized by ORT multiply [batch, tokens, hidden] by a 2-D weight). Every sum is
     * exact, so the loop order (row, k, column, for locality) cannot change a bit.
     */
    private static Arr[] matMulInteger(Op n, Arr[] in, KernelContext c) {
        Arr a = in[0], b = in[1];
        Arr az = K.opt(in, 2), bz = K.opt(in, 3);
        if (a.rank() < 2 || b.rank() < 2) throw new OpException(n, "inputs must be rank 2 or more, got " + a.rank() + " and " + b.rank());
        Batched p = Batched.of(n, a.shape, b.shape);
        int M = p.M, Kd = p.Kd, N = p.N;
        int[] ai = p.ai, bi = p.bi;
        // Operands minus their zero points, as int: 8-bit values, so each term is below 2^16 in magnitude and a
        // sum of Kd terms below 2^31 while Kd < 2^15; then int arithmetic (which the JIT vectorises) is exact.
        QuantizedWeights qw = QuantizedWeights.of(b, bz, N);
        int[] x = new int[a.size()], y = qw.values();
        if (az == null || az.size() == 1) { // one zero point (or none): no row index per element
            long z = az == null ? 0 : az.l[0];
            for (int i = 0; i < x.length; i++) x[i] = (int) (a.l[i] - z);
        } else {
            for (int i = 0; i < x.length; i++) x[i] = (int) (a.l[i] - az.l[i / Kd % M]);
        }
        long bound = 0;
        for (int v : x) bound = Math.max(bound, Math.abs((long) v));
        long by = qw.max();
        if (bound * by * Kd >= Integer.MAX_VALUE) return new Arr[] {Arr.longs(DType.INT32, p.out, wide(p, x, y))};
        // Faster still: float32 FMA lanes over chunks of k short enough that every partial sum stays below 2^24,
        // where float32 holds integers exactly, so each chunk's sum is the exact integer; chunks add up in int.
        // (Exact integer lanes do no better here: 16-bit products widened by shifts reach the same peak as float
        // fma, and C2's pmaddwd pattern wants both operands loaded from arrays, which leaves it memory-bound.)
        int chunk = (int) Math.min(Kd, bound * by == 0 ? Kd : ((1L << 24) - 1) / (bound * by));
        boolean viaFloat = VectorModule.PRESENT && chunk >= 16, wide = viaFloat && Packed.available(); // wide: Packed's 6 x 4 block
        int EC = wide ? Packed.COLS : viaFloat ? Lanes.EXACT_COLS : 1, NS = N / EC; // Lanes loads only with the incubator module
        float[] xf = viaFloat ? new float[x.length] : null, yp = viaFloat ? qw.packed(Kd, N, EC) : null;
        if (viaFloat) for (int i = 0; i < x.length; i++) xf[i] = x[i];
        long[] o = new long[ai.length * M * N];
        // A task owns R rows x T columns whose sums stay in cache while rows of b stream past.
        int R = viaFloat ? 128 : 4, T = viaFloat ? 384 : 512;
        int rowBlocks = (M + R - 1) / R, colTiles = (N + T - 1) / T, per = rowBlocks * colTiles;
        c.par().forEach(ai.length * per, (long) R * T * Kd, t -> {
            int q = t / per, rb = t % per % rowBlocks, ct = t % per / rowBlocks;
            int m0 = rb * R, rows = Math.min(M, m0 + R) - m0, n0 = ct * T, w = Math.min(N, n0 + T) - n0;
            int xo = ai[q] * M * Kd + m0 * Kd, bo = bi[q] * Kd * N + n0;
            // Straight into o: each chunk's float sums are exact integers, and so is every running total (its magnitude
            // is at most the full sum's, below 2^31 as checked above).
            int r8 = wide ? rows : viaFloat ? rows - rows % Lanes.EXACT_ROWS : 0, j8 = viaFloat ? w - w % EC : 0;
            float[][] f = wide ? null : new float[r8][j8];
            float[] ff = wide ? new float[r8 * j8] : null;
            for (int k0 = 0; k0 < Kd && r8 > 0 && j8 > 0; k0 += chunk) {
                int k1 = Math.min(Kd, k0 + chunk);
                for (int j = 0; j < j8; j += EC) {
                    int yo = (bi[q] * NS + (n0 + j) / EC) * Kd * EC;
                    if (wide) Packed.exact(k0, k1, r8, xf, xo, Kd, yp, yo, ff, j, j8);
                    else for (int r = 0; r < r8; r += Lanes.EXACT_ROWS) Lanes.exactBlock(k0, k1, xf, xo + r * Kd, Kd, yp, yo, EC, f, r, j);
                }
                for (int r = 0; r < r8; r++) {
                    int ob = (q * M + m0 + r) * N + n0, fo = wide ? r * j8 : 0;
                    float[] fr = wide ? ff : f[r];
                    for (int j = 0; j < j8; j++) o[ob + j] = (k0 == 0 ? 0 : o[ob + j]) + (long) fr[fo + j];
                }
            }
            // The rest (all of it without the lanes, or for operands wider than 8 bits) in int32 loops, which the JIT
            // vectorises: exact, so they need not follow the blocks' order.
            int[] acc = new int[w];
            for (int r = 0; r < rows; r++) {
                int j0 = r < r8 ? j8 : 0, ob = (q * M + m0 + r) * N + n0;
                if (j0 >= w) continue;
                Arrays.fill(acc, j0, w, 0);
                for (int k = 0; k < Kd; k++) {
                    int xk = x[xo + r * Kd + k], yk = bo + k * N;
                    for (int j = j0; j < w; j++) acc[j] += xk * y[yk + j];
                }
                for (int j = j0; j < w; j++) o[ob + j] = acc[j];
            }
        });
        return new Arr[] {Arr.longs(DType.INT32, p.out, o)};
    }

    /** Sums that may exceed int32 (not from 8-bit operands): in 64 bits, wrapped to int32 at the end. */
    private static long[] wide(Batched p, int[] x, int[] y) {
        int M = p.M, Kd = p.Kd, N = p.N;
        long[] o = new long[p.ai.length * M * N];
        long[] row = new long[N];
        for (int q = 0; q < p.ai.length; q++) {
            int ao = p.ai[q] * M * Kd, bo = p.bi[q] * Kd * N;
            for (int i = 0; i < M; i++) {
                Arrays.fill(row, 0);
                for (int k = 0; k < Kd; k++) {
                    long xk = x[ao + i * Kd + k];
                    for (int j = 0; j < N; j++) row[j] += xk * y[bo + k * N + j];
                }
                for (int j = 0; j < N; j++) o[(q * M + i) * N + j] = (int) row[j];
            }
        }
        return o;
    }

    /** ConvInteger: subtract the zero points, run the (exact, since every value is a small integer) float64 conv path. */
    private static Arr[] convInteger(Op n, Arr[] in, KernelContext c) {
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
        Arr y = conv(n, new Arr[] {Arr.floats(x.shape, xf), Arr.floats(w.shape, wf)}, c)[0];
        long[] o = new long[y.size()];
        for (int i = 0; i < o.length; i++) o[i] = (long) y.f[i]; // |sums| < 2^24 (checked above): exact in float32
        return new Arr[] {Arr.longs(DType.INT32, y.shape, o)};
    }
}
