package io.verity.engine.det.ops.gemm;

import io.verity.engine.det.tensor.VectorModule;
import io.verity.engine.det.graph.K;
import io.verity.engine.det.tensor.Parallel;

/**
 * The one product kernel behind MatMul, Conv and ConvTranspose, and the heart of the engine's determinism
 * contract: {@code c[m][n] = round32(sum over k = 0, 1, ..., K-1 of (double) a[m][k] * (double) b[k][n])}.
 * A float32 product is exact in float64, so only the float64 additions round, always in ascending k, then
 * one rounding to float32.
 *
 * <p>Speed without touching that order: a task owns a block of {@link #ROWS} output rows by {@link #TILE}
 * columns and keeps their float64 partial sums in small arrays that stay in L1; each pass over a row of
 * partial sums folds in {@link #UNROLL} consecutive k, written as one left-to-right expression
 * {@code (((s + p_k) + p_k+1) + p_k+2) + p_k+3}, which is exactly the sequence of additions the plain loop
 * performs, with a quarter of the loads and stores. Lanes of the JIT's vectors are different output columns
 * (never different k), so the vector width cannot change a bit. Blocking and threads only choose which
 * output elements are computed together.
 *
 * <p>Column k of {@code b} is read at {@code bOff + tap[k] + column}: for a matrix {@code tap[k] = k * ldb};
 * for a convolution {@code tap[k]} is the offset of input channel, kernel row and kernel column k in a
 * zero-padded input, so the convolution runs without an im2col copy (see {@code det.ops.nn.Nn}).
 */
public final class Dot {
    private Dot() {}

    public static final int TILE = 512;
    static final int ROWS = 4;
    static final int UNROLL = 4;

    /**
     * Each thread's partial sums, reused from task to task: a fresh array per task cost more than the sums on
     * small products (it is new memory, missing every cache). Zeroed before each use, as a new one would be.
     */
    private static final ThreadLocal<double[][]> PARTIALS = ThreadLocal.withInitial(() -> new double[ROWS][TILE]);
    /** The same for verity-det/3's float32 sums. */
    private static final ThreadLocal<float[][]> FMA_PARTIALS = ThreadLocal.withInitial(() -> new float[ROWS][TILE]);


    /** {@code rows} zeroed rows of at least {@code w} partial sums (w <= TILE), private to the calling thread. */
    public static double[][] partials(int rows, int w) {
        double[][] s = PARTIALS.get();
        for (int r = 0; r < rows; r++) java.util.Arrays.fill(s[r], 0, w, 0.0);
        return s;
    }

    /**
     * @param a row-major M x K with row stride {@code lda}, starting at {@code aOff}
     * @param b row-major K x N with row stride {@code ldb}, starting at {@code bOff}
     * @param c receives M x N at {@code cOff}
     * @param bias per-row bias added after the sum (null for none); {@code biasOff} indexes it
     */
    public static void matmul(boolean fma, Parallel par, int M, int N, int K, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, float[] bias, int biasOff) {
        matmul(fma, par, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, N, bias, biasOff);
    }

    /** As above with an explicit row stride {@code ldc} for c (to write a column tile of a wider matrix). */
    public static void matmul(boolean fma, Parallel par, int M, int N, int K, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, float[] bias, int biasOff) {
        int[] tap = new int[K];
        for (int k = 0; k < K; k++) tap[k] = k * ldb;
        if (fma && VectorModule.PRESENT) dense(par, M, N, K, a, aOff, lda, b, bOff, tap, c, cOff, ldc, bias, biasOff);
        else taps(fma, par, 1, M, N, K, a, aOff, 0, lda, b, bOff, 0, tap, N, N, c, cOff, 0, ldc, bias, biasOff);
    }

    /** Rows per task of {@link #dense}: four of {@link Lanes}' 8-row groups share each strip of b from L1. */
    static final int DENSE_ROWS = 32;
    private static final ThreadLocal<float[][]> DENSE_PARTIALS = ThreadLocal.withInitial(() -> new float[DENSE_ROWS][TILE]);

    /**
     * verity-det/3's matrix product on lanes in tasks of {@link #DENSE_ROWS} rows x {@link #TILE} columns, so that
     * {@link Lanes#fmaRows} can use its widest register block (a convolution's tasks keep {@link #ROWS}). The same
     * fma chains as {@link #taps}; only which outputs are computed together differs.
     */
    private static void dense(Parallel par, int M, int N, int K, float[] a, int aOff, int lda, float[] b, int bOff, int[] tap,
            float[] c, int cOff, int ldc, float[] bias, int biasOff) {
        int rowBlocks = (M + DENSE_ROWS - 1) / DENSE_ROWS, colTiles = (N + TILE - 1) / TILE;
        par.forEach(rowBlocks * colTiles, (long) DENSE_ROWS * TILE * K, task -> {
            int m0 = task % rowBlocks * DENSE_ROWS, rows = Math.min(M, m0 + DENSE_ROWS) - m0;
            int q0 = task / rowBlocks * TILE, w = Math.min(N, q0 + TILE) - q0;
            float[][] f = DENSE_PARTIALS.get();
            Lanes.fmaRows(K, a, aOff + m0 * lda, lda, rows, b, bOff + q0, tap, w, f);
            for (int r = 0; r < rows; r++) {
                int co = cOff + (m0 + r) * ldc + q0;
                if (bias == null) System.arraycopy(f[r], 0, c, co, w);
                else for (int j = 0; j < w; j++) c[co + j] = f[r][j] + bias[biasOff + m0 + r];
            }
        });
    }

    /**
     * The general form. Columns are numbered {@code q = 0 .. Q-1} in rows of {@code span}; only the first
     * {@code keep} of each span are outputs (the rest are the padding columns of a convolution computed on the
     * padded grid, and are dropped): column {@code q} goes to {@code c[cOff + m * ldc + (q / span) * keep + q % span]}.
     * {@code G} independent products (a convolution's groups) run as one parallel loop: product g uses a, b, c
     * and bias from {@code aOff + g * aG}, {@code bOff + g * bG}, {@code cOff + g * cG} and {@code biasOff + g * M}.
     */
    public static void taps(boolean fma, Parallel par, int G, int M, int Q, int K, float[] a, int aOff, int aG, int lda, float[] b, int bOff, int bG,
            int[] tap, int span, int keep, float[] c, int cOff, int cG, int ldc, float[] bias, int biasOff) {
        int rowBlocks = (M + ROWS - 1) / ROWS, colTiles = (Q + TILE - 1) / TILE, per = rowBlocks * colTiles;
        // Row blocks vary fastest, so consecutive tasks on one thread reuse the same columns of b from cache.
        par.forEach(G * per, (long) ROWS * TILE * K, gt -> {
            int g = gt / per, task = gt % per;
            taps(fma, M, Q, K, a, aOff + g * aG, lda, b, bOff + g * bG, tap, span, keep, c, cOff + g * cG, ldc, bias, biasOff + g * M,
                    task % rowBlocks, task / rowBlocks);
        });
    }

    /**
     * Row block rb, column tile ct of one product: /2's float64 sums, or with {@code fma} verity-det/3's float32
     * sums, {@code s = fma(a[m][k], b[k][q], s)} for k ascending from s = +0, then {@code s + bias} (one float32
     * addition) when there is a bias.
     */
    private static void taps(boolean fma, int M, int Q, int K, float[] a, int aOff, int lda, float[] b, int bOff, int[] tap, int span,
            int keep, float[] c, int cOff, int ldc, float[] bias, int biasOff, int rb, int ct) {
        int m0 = rb * ROWS, m1 = Math.min(M, m0 + ROWS);
        int q0 = ct * TILE, w = Math.min(Q, q0 + TILE) - q0;
        double[][] s = fma ? null : partials(m1 - m0, w);
        float[][] f = fma ? FMA_PARTIALS.get() : null;
        if (!fma) rows(K, a, aOff + m0 * lda, lda, m1 - m0, b, bOff + q0, tap, w, s);
        else if (VectorModule.PRESENT) Lanes.fmaRows(K, a, aOff + m0 * lda, lda, m1 - m0, b, bOff + q0, tap, w, f);
        else fmaRows(K, a, aOff + m0 * lda, lda, m1 - m0, b, bOff + q0, tap, w, f);
        for (int m = m0; m < m1; m++) {
            int base = cOff + m * ldc;
            for (int j = 0; j < w; ) {
                int q = q0 + j, col = q % span, n = Math.min(w - j, span - col);
                int len = Math.max(0, Math.min(n, keep - col)), co = base + (q / span) * keep + col;
                if (fma) {
                    float[] sm = f[m - m0];
                    if (bias == null) System.arraycopy(sm, j, c, co, len);
                    else for (int i = 0; i < len; i++) c[co + i] = sm[j + i] + bias[biasOff + m];
                } else {
                    double[] sm = s[m - m0];
                    double bv = bias == null ? 0 : bias[biasOff + m];
                    if (bias == null) for (int i = 0; i < len; i++) c[co + i] = (float) sm[j + i];
                    else for (int i = 0; i < len; i++) c[co + i] = (float) (sm[j + i] + bv);
                }
                j += n;
            }
        }
    }

    /**
     * {@link Lanes#fmaRows} without the Vector API: the k loop outside, so every s[r][j] still takes its fmas in
     * ascending k, and each element's chain is the same whichever order the elements are visited in.
     */
    static void fmaRows(int K, float[] a, int a0, int lda, int rows, float[] b, int bo, int[] tap, int w, float[][] s) {
        for (int r = 0; r < rows; r++) java.util.Arrays.fill(s[r], 0, w, 0f);
        for (int k = 0; k < K; k++) {
            int bk = bo + tap[k];
            for (int r = 0; r < rows; r++) {
                float x = a[a0 + r * lda + k];
                float[] sr = s[r];
                for (int j = 0; j < w; j++) sr[j] = Math.fma(x, b[bk + j], sr[j]);
            }
        }
    }

    /**
     * The same sums for {@code c = (a b)^T}: a is M x K, b is K x N (row-major, dense), and element (m, n) of
     * the product goes to {@code c[cOff + n * ldc + m]} with {@code bias[biasOff + n]} added after its sum. For
     * a convolution with few output pixels and many channels (Silero's STFT), where a is the pixels' im2col
     * rows and b the transposed weights, so the vectorised loop runs along the long channel axis.
     */
    public static void matmulT(boolean fma, Parallel par, int M, int N, int K, float[] a, float[] b, int bOff, float[] c, int cOff, int ldc, float[] bias, int biasOff) {
        int[] tap = new int[K];
        for (int k = 0; k < K; k++) tap[k] = k * N;
        int rowBlocks = (M + ROWS - 1) / ROWS, colTiles = (N + TILE - 1) / TILE;
        par.forEach(rowBlocks * colTiles, (long) ROWS * TILE * K, task -> {
            int rb = task % rowBlocks, ct = task / rowBlocks;
            int m0 = rb * ROWS, m1 = Math.min(M, m0 + ROWS), n0 = ct * TILE, w = Math.min(N, n0 + TILE) - n0;
            if (fma) { // verity-det/3: fma(x, w, s) is fma(w, x, s), so the transposed product has the same chains
                float[][] s = FMA_PARTIALS.get();
                if (VectorModule.PRESENT) Lanes.fmaRows(K, a, m0 * K, K, m1 - m0, b, bOff + n0, tap, w, s);
                else fmaRows(K, a, m0 * K, K, m1 - m0, b, bOff + n0, tap, w, s);
                for (int m = m0; m < m1; m++) {
                    float[] sm = s[m - m0];
                    if (bias == null) for (int j = 0; j < w; j++) c[cOff + (n0 + j) * ldc + m] = sm[j];
                    else for (int j = 0; j < w; j++) c[cOff + (n0 + j) * ldc + m] = sm[j] + bias[biasOff + n0 + j];
                }
                return;
            }
            double[][] s = partials(m1 - m0, w);
            rows(K, a, m0 * K, K, m1 - m0, b, bOff + n0, tap, w, s);
            for (int m = m0; m < m1; m++) {
                double[] sm = s[m - m0];
                if (bias == null) for (int j = 0; j < w; j++) c[cOff + (n0 + j) * ldc + m] = (float) sm[j];
                else for (int j = 0; j < w; j++) c[cOff + (n0 + j) * ldc + m] = (float) (sm[j] + bias[biasOff + n0 + j]);
            }
        });
    }

    /**
     * Rows m0..m1-1 of one column tile: s[m - m0][j] = sum over k ascending of a[m][k] * b[tap[k] + j]. The k
     * loop is outside the row loop so the {@link #UNROLL} columns of b it reads stay in L1 for all the rows.
     * (Four k per pass and one row per loop is the shape HotSpot's C2 vectorises; more loads per loop, or
     * several rows per loop with four k, fall back to scalar code.)
     */
    private static void rows(int K, float[] a, int a0, int lda, int rows, float[] b, int bo, int[] tap, int w, double[][] s) {
        int k = 0;
        for (; k + UNROLL <= K; k += UNROLL) {
            int b0 = bo + tap[k], b1 = bo + tap[k + 1], b2 = bo + tap[k + 2], b3 = bo + tap[k + 3];
            for (int r = 0; r < rows; r++) {
                int ar = a0 + r * lda + k;
                double x0 = a[ar], x1 = a[ar + 1], x2 = a[ar + 2], x3 = a[ar + 3];
                double[] sr = s[r];
                for (int j = 0; j < w; j++) sr[j] = sr[j] + x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
            }
        }
        for (; k < K; k++) {
            int bk = bo + tap[k];
            for (int r = 0; r < rows; r++) {
                double x = a[a0 + r * lda + k];
                double[] sr = s[r];
                for (int j = 0; j < w; j++) sr[j] += x * b[bk + j];
            }
        }
    }

    /** The same contract for float64 operands (accumulation and result in float64). */
    public static void matmul(int M, int N, int K, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff) {
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                double s = 0;
                for (int k = 0; k < K; k++) s += a[aOff + m * K + k] * b[bOff + k * N + n];
                c[cOff + m * N + n] = s;
            }
        }
    }
}
