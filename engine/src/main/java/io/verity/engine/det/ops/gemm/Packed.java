package io.verity.engine.det.ops.gemm;

import io.verity.engine.det.graph.Op;
import io.verity.engine.det.tensor.Parallel;
import io.verity.engine.det.tensor.VectorModule;

/**
 * verity-det/3's MatMul with b packed in strips of {@link #COLS} columns, each strip's K rows contiguous: every
 * output is the same fma chain as in {@link Dot} (over k ascending from +0, one output per lane), so the bits are
 * the same; only which outputs are computed together and where b is read from differ. A constant b (a weight) is
 * packed once per node and kept; an operand that changes from run to run (attention's keys and values) is packed
 * per call, which costs K x N copies against M x K x N multiply-adds.
 */
public final class Packed {
    private Packed() {}

    /** Columns per strip: four vectors of 16 floats. */
    public static final int COLS = 64;
    /** Rows per task: the strip is reused from L2 by each six-row block of them. */
    private static final int ROW_BLOCK = 96;
    /** A b that changes per call is packed only for at least this many rows of a. */
    private static final int MIN_ROWS = 6;

    private record Cached(float[] src, float[] packed) {}

    private static final Object VARIES = new Object();

    /** Whether this JVM runs the packed kernels: the vector module, with 16-float vectors (AVX-512). */
    public static boolean available() {
        return VectorModule.PRESENT && PackedLanes.WIDE; // PackedLanes loads only with the module
    }

    /**
     * b's batches (dense K x N each) packed for node n's product with M rows, or null when packing does not pay:
     * kept in {@code n.cache} while b is the same array from run to run (an initializer or folded value), packed
     * afresh per call once it is not.
     */
    public static float[] of(Op n, float[] b, int M, int K, int N) {
        Object have = n.cache;
        if (have instanceof Cached h && h.src == b) return h.packed;
        if (have == VARIES && M < MIN_ROWS) return null;
        float[] p = pack(b, K, N);
        n.cache = have == null ? new Cached(b, p) : VARIES; // a second array: an operand, not a weight
        return p;
    }

    /** Element (g, k, js * COLS + j) of b's [G, K, N] at ((g * (N / COLS) + js) * K + k) * COLS + j; tail columns left out. */
    public static float[] pack(float[] b, int K, int N) {
        int G = K * N == 0 ? 0 : b.length / (K * N), NS = N / COLS;
        float[] p = new float[G * NS * K * COLS];
        for (int g = 0; g < G; g++) for (int js = 0; js < NS; js++) for (int k = 0; k < K; k++) {
            System.arraycopy(b, (g * K + k) * N + js * COLS, p, ((g * NS + js) * K + k) * COLS, COLS);
        }
        return p;
    }

    /** Offset of batch g in {@link #of}'s array. */
    public static int batch(int g, int K, int N) {
        return g * (N / COLS) * K * COLS;
    }

    /**
     * c = a b for M x K times K x N (c's row stride ldc): the whole strips from p (at pOff, the batch's
     * {@link #batch}), the last N % COLS columns from b (at bOff, row stride ldb) on {@link Dot}'s lanes.
     */
    public static void matmul(Parallel par, int M, int N, int K, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] p, int pOff, float[] c, int cOff, int ldc) {
        int NS = N / COLS, rowBlocks = (M + ROW_BLOCK - 1) / ROW_BLOCK;
        // Rows vary fastest: consecutive tasks on a thread read the same strip.
        par.forEach(NS * rowBlocks, (long) ROW_BLOCK * COLS * K, t -> {
            int js = t / rowBlocks, m0 = t % rowBlocks * ROW_BLOCK, rows = Math.min(M, m0 + ROW_BLOCK) - m0;
            PackedLanes.rows(K, rows, a, aOff + m0 * lda, lda, p, pOff + js * K * COLS, c, cOff + m0 * ldc + js * COLS, ldc);
        });
        int whole = NS * COLS;
        if (whole < N) Dot.matmul(true, par, M, N - whole, K, a, aOff, lda, b, bOff + whole, ldb, c, cOff + whole, ldc, null, 0);
    }

    /**
     * MatMulInteger's product on the same kernels: f[fo + r * ldf + c] = the sum over k0 <= k < k1 of
     * x[xo + r * ldx + k] * (column c of the strip at p[po..]) for r < rows, c < {@link #COLS}. The caller keeps every
     * partial sum an integer below 2^24 in magnitude, so each fma is exact and so is the sum, in any order (as in
     * {@link Lanes#exactBlock}).
     */
    public static void exact(int k0, int k1, int rows, float[] x, int xo, int ldx, float[] p, int po, float[] f, int fo, int ldf) {
        PackedLanes.rows(k1 - k0, rows, x, xo + k0, ldx, p, po + k0 * COLS, f, fo, ldf);
    }
}
