package io.verity.engine.det.ops.gemm;

import io.verity.engine.det.tensor.VectorModule;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels of {@link Dot}, loaded only when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} ({@link VectorModule#PRESENT}); otherwise Dot's scalar loops compute the
 * same bits. Every lane is a different output column and each lane's sum runs over k in ascending order, one
 * {@code Math.fma} (exact, on MatMulInteger's integers) per k: no value ever moves between lanes, so the CPU's vector width
 * (4, 8 or 16 floats) decides only how many outputs are computed at once, never a bit.
 *
 * <p>Register blocking: four rows by two vectors of columns keep eight accumulators in registers for the whole k
 * loop; each k loads two vectors of b and broadcasts four values of a (2 loads for 8 FMAs).
 */
public final class Lanes {
    private Lanes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * s[r][j] = fma-chain over k = 0..K-1 of a[a0 + r*lda + k] * b[bo + tap[k] + j], from +0, for r < rows, j < w.
     */
    static void fmaRows(int K, float[] a, int a0, int lda, int rows, float[] b, int bo, int[] tap, int w, float[][] s) {
        int L = F.length(), r = 0;
        if (L >= 16) { // AVX-512's 32 registers: 8 rows x 2 vectors, 16 fmas per 2 loads of b (the product's bottleneck)
            int j8 = w - w % (2 * L), r8 = rows - rows % 8;
            // Columns outside, rows inside: a strip of b (K x 2 vectors) serves every 8-row group while it is in L1,
            // instead of the whole of b streaming from L3 once per group (few rows: the weights are the traffic).
            for (int j = 0; j < j8; j += 2 * L) for (int g = 0; g < r8; g += 8) eight2(K, a, a0 + g * lda, lda, b, bo + j, tap, s, g, j, L);
            for (; r < r8; r += 4) four(K, a, a0 + r * lda, lda, b, bo, tap, s, r, j8, w, L);
        }
        for (; r + 4 <= rows; r += 4) four(K, a, a0 + r * lda, lda, b, bo, tap, s, r, 0, w, L);
        if (r == rows) return;
        int ar = a0 + r * lda, j = 0;
        for (; j + L <= w; j += L) {
            for (int i = r; i < rows; i++) one(K, a, ar + (i - r) * lda, b, bo + j, tap, s[i], j);
        }
        tail(K, a, ar, lda, rows - r, b, bo, tap, s, r, j, w);
    }

    /** Columns j0..w-1 of rows r..r+3, whose a starts at ar. */
    private static void four(int K, float[] a, int ar, int lda, float[] b, int bo, int[] tap, float[][] s, int r, int j0, int w, int L) {
        int j = j0;
        for (; j + 2 * L <= w; j += 2 * L) four2(K, a, ar, lda, b, bo + j, tap, s, r, j, L);
        for (; j + L <= w; j += L) four1(K, a, ar, lda, b, bo + j, tap, s, r, j);
        tail(K, a, ar, lda, 4, b, bo, tap, s, r, j, w);
    }

    private static void eight2(int K, float[] a, int ar, int lda, float[] b, int bo, int[] tap, float[][] s, int r, int j, int L) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        int a1 = ar + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        for (int k = 0; k < K; k++) {
            int bk = bo + tap[k];
            FloatVector b0 = FloatVector.fromArray(F, b, bk), b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x = FloatVector.broadcast(F, a[ar + k]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[a1 + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[a2 + k]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[a3 + k]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[a4 + k]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[a5 + k]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(F, a[a6 + k]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(F, a[a7 + k]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(s[r], j);
        c01.intoArray(s[r], j + L);
        c10.intoArray(s[r + 1], j);
        c11.intoArray(s[r + 1], j + L);
        c20.intoArray(s[r + 2], j);
        c21.intoArray(s[r + 2], j + L);
        c30.intoArray(s[r + 3], j);
        c31.intoArray(s[r + 3], j + L);
        c40.intoArray(s[r + 4], j);
        c41.intoArray(s[r + 4], j + L);
        c50.intoArray(s[r + 5], j);
        c51.intoArray(s[r + 5], j + L);
        c60.intoArray(s[r + 6], j);
        c61.intoArray(s[r + 6], j + L);
        c70.intoArray(s[r + 7], j);
        c71.intoArray(s[r + 7], j + L);
    }

    /**
     * Columns j0..w-1 of rows r..r+n-1 in scalar fmas (k outside, so each sum still takes its k in order). Masked
     * vectors would do, but a masked load that reaches past the array's end leaves the JIT's fast path.
     */
    private static void tail(int K, float[] a, int ar, int lda, int n, float[] b, int bo, int[] tap, float[][] s, int r, int j0, int w) {
        int narrow = j0; // columns too few for a preferred vector go on narrower ones first
        for (int i = 0; i < n; i += 4) narrow = NarrowLanes.columns(K, a, ar + i * lda, lda, Math.min(4, n - i), b, bo, tap, s, r + i, j0, w);
        j0 = narrow;
        if (j0 >= w) return;
        for (int i = 0; i < n; i++) java.util.Arrays.fill(s[r + i], j0, w, 0f);
        for (int k = 0; k < K; k++) {
            int bk = bo + tap[k];
            for (int i = 0; i < n; i++) {
                float x = a[ar + i * lda + k];
                float[] si = s[r + i];
                for (int j = j0; j < w; j++) si[j] = Math.fma(x, b[bk + j], si[j]);
            }
        }
    }

    private static void four2(int K, float[] a, int ar, int lda, float[] b, int bo, int[] tap, float[][] s, int r, int j, int L) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int k = 0; k < K; k++) {
            int bk = bo + tap[k];
            FloatVector b0 = FloatVector.fromArray(F, b, bk), b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x = FloatVector.broadcast(F, a[ar + k]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ar + lda + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ar + 2 * lda + k]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ar + 3 * lda + k]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(s[r], j);
        c01.intoArray(s[r], j + L);
        c10.intoArray(s[r + 1], j);
        c11.intoArray(s[r + 1], j + L);
        c20.intoArray(s[r + 2], j);
        c21.intoArray(s[r + 2], j + L);
        c30.intoArray(s[r + 3], j);
        c31.intoArray(s[r + 3], j + L);
    }

    private static void four1(int K, float[] a, int ar, int lda, float[] b, int bo, int[] tap, float[][] s, int r, int j) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        for (int k = 0; k < K; k++) {
            FloatVector bv = FloatVector.fromArray(F, b, bo + tap[k]);
            c0 = FloatVector.broadcast(F, a[ar + k]).fma(bv, c0);
            c1 = FloatVector.broadcast(F, a[ar + lda + k]).fma(bv, c1);
            c2 = FloatVector.broadcast(F, a[ar + 2 * lda + k]).fma(bv, c2);
            c3 = FloatVector.broadcast(F, a[ar + 3 * lda + k]).fma(bv, c3);
        }
        c0.intoArray(s[r], j);
        c1.intoArray(s[r + 1], j);
        c2.intoArray(s[r + 2], j);
        c3.intoArray(s[r + 3], j);
    }

    private static void one(int K, float[] a, int ar, float[] b, int bo, int[] tap, float[] s, int j) {
        FloatVector c = FloatVector.zero(F);
        for (int k = 0; k < K; k++) c = FloatVector.broadcast(F, a[ar + k]).fma(FloatVector.fromArray(F, b, bo + tap[k]), c);
        c.intoArray(s, j);
    }

    /** Rows and columns of one {@link #exactBlock}: 8 x 3 vectors with AVX-512's 32 registers, else 4 x 2. */
    public static final int EXACT_ROWS = F.length() >= 16 ? 8 : 4, EXACT_COLS = (F.length() >= 16 ? 3 : 2) * F.length();

    /**
     * MatMulInteger's product on float lanes: f[r + i][j + c] = sum over k0 <= k < k1 of x[xr + i*ldx + k] * y[yo + k*N + c]
     * for i < {@link #EXACT_ROWS}, c < {@link #EXACT_COLS}. Every operand is an integer and the caller keeps every
     * partial sum below 2^24 in magnitude, so each fma is exact and so is the sum, in any order: unlike the
     * verity-det/3 float kernels above, the blocking here is free to change. Dense rows (no tap table) keep every
     * index linear in k, so the JIT drops the bounds checks from the loop; 24 accumulators keep both FMA ports busy.
     */
    public static void exactBlock(int k0, int k1, float[] x, int xr, int ldx, float[] y, int yo, int N, float[][] f, int r, int j) {
        if (EXACT_ROWS == 4) { // narrower vectors: /3's 4 x 2 block over the same rows (its fma chains are exact here too)
            int[] tap = new int[k1 - k0];
            for (int k = 0; k < tap.length; k++) tap[k] = k * N;
            four2(tap.length, x, xr + k0, ldx, y, yo + k0 * N, tap, f, r, j, F.length());
            return;
        }
        int L = F.length();
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
        FloatVector c60 = c00, c61 = c00, c62 = c00, c70 = c00, c71 = c00, c72 = c00;
        int x1 = xr + ldx, x2 = x1 + ldx, x3 = x2 + ldx, x4 = x3 + ldx, x5 = x4 + ldx, x6 = x5 + ldx, x7 = x6 + ldx;
        for (int k = k0; k < k1; k++) {
            int yk = yo + k * N;
            FloatVector b0 = FloatVector.fromArray(F, y, yk), b1 = FloatVector.fromArray(F, y, yk + L), b2 = FloatVector.fromArray(F, y, yk + 2 * L);
            FloatVector v = FloatVector.broadcast(F, x[xr + k]);
            c00 = v.fma(b0, c00);
            c01 = v.fma(b1, c01);
            c02 = v.fma(b2, c02);
            v = FloatVector.broadcast(F, x[x1 + k]);
            c10 = v.fma(b0, c10);
            c11 = v.fma(b1, c11);
            c12 = v.fma(b2, c12);
            v = FloatVector.broadcast(F, x[x2 + k]);
            c20 = v.fma(b0, c20);
            c21 = v.fma(b1, c21);
            c22 = v.fma(b2, c22);
            v = FloatVector.broadcast(F, x[x3 + k]);
            c30 = v.fma(b0, c30);
            c31 = v.fma(b1, c31);
            c32 = v.fma(b2, c32);
            v = FloatVector.broadcast(F, x[x4 + k]);
            c40 = v.fma(b0, c40);
            c41 = v.fma(b1, c41);
            c42 = v.fma(b2, c42);
            v = FloatVector.broadcast(F, x[x5 + k]);
            c50 = v.fma(b0, c50);
            c51 = v.fma(b1, c51);
            c52 = v.fma(b2, c52);
            v = FloatVector.broadcast(F, x[x6 + k]);
            c60 = v.fma(b0, c60);
            c61 = v.fma(b1, c61);
            c62 = v.fma(b2, c62);
            v = FloatVector.broadcast(F, x[x7 + k]);
            c70 = v.fma(b0, c70);
            c71 = v.fma(b1, c71);
            c72 = v.fma(b2, c72);
        }
        c00.intoArray(f[r], j);
        c01.intoArray(f[r], j + L);
        c02.intoArray(f[r], j + 2 * L);
        c10.intoArray(f[r + 1], j);
        c11.intoArray(f[r + 1], j + L);
        c12.intoArray(f[r + 1], j + 2 * L);
        c20.intoArray(f[r + 2], j);
        c21.intoArray(f[r + 2], j + L);
        c22.intoArray(f[r + 2], j + 2 * L);
        c30.intoArray(f[r + 3], j);
        c31.intoArray(f[r + 3], j + L);
        c32.intoArray(f[r + 3], j + 2 * L);
        c40.intoArray(f[r + 4], j);
        c41.intoArray(f[r + 4], j + L);
        c42.intoArray(f[r + 4], j + 2 * L);
        c50.intoArray(f[r + 5], j);
        c51.intoArray(f[r + 5], j + L);
        c52.intoArray(f[r + 5], j + 2 * L);
        c60.intoArray(f[r + 6], j);
        c61.intoArray(f[r + 6], j + L);
        c62.intoArray(f[r + 6], j + 2 * L);
        c70.intoArray(f[r + 7], j);
        c71.intoArray(f[r + 7], j + L);
        c72.intoArray(f[r + 7], j + 2 * L);
    }

}
