package io.verity.engine.det.ops.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Packed}'s Vector API kernels (loaded only with the incubator module, and used only where the preferred
 * vector holds 16 floats): c[r][j] = the fma chain over k = 0..K-1 of a[r][k] * b[k][j] from +0, exactly as in
 * {@link Lanes}, one output column per lane, so the bits are the scalar loop's. b comes as one packed strip of
 * {@link Packed#COLS} columns with its K rows contiguous, read in order (no tap table, every index linear in k, so
 * the JIT hoists the bounds checks and the prefetcher sees one stream).
 *
 * <p>Six rows by four vectors: 24 accumulators, 4 loads of b and 6 broadcasts of a per 24 fmas, enough independent
 * chains to cover both 512-bit FMA ports' latency (Lanes' 8 x 2 needs 8 broadcasts per 16 fmas and reads b
 * rows a matrix stride apart).
 */
final class PackedLanes {
    private PackedLanes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = 16;

    /** Whether the preferred vector is the 16 floats these kernels are written for. */
    static final boolean WIDE = F.length() == L;

    /**
     * Rows of a from ar (stride lda) times the strip at p[po..], into c from co (stride ldc), six rows at a time, the
     * rest by two (8 chains, enough to cover both FMA ports' latency) and one. The stores stay in each kernel: a
     * helper taking the vectors as arguments, when the JIT did not inline it, boxed them and ran the product 2x slower.
     */
    static void rows(int K, int rows, float[] a, int ar, int lda, float[] p, int po, float[] c, int co, int ldc) {
        int r = 0;
        for (; r + 6 <= rows; r += 6) six(K, a, ar + r * lda, lda, p, po, c, co + r * ldc, ldc);
        for (; r + 2 <= rows; r += 2) two(K, a, ar + r * lda, lda, p, po, c, co + r * ldc, ldc);
        if (r < rows) one(K, a, ar + r * lda, p, po, c, co + r * ldc);
    }

    private static void six(int K, float[] a, int ar, int lda, float[] p, int po, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        int a1 = ar + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int k = 0; k < K; k++) {
            int bk = po + k * Packed.COLS;
            FloatVector b0 = FloatVector.fromArray(F, p, bk), b1 = FloatVector.fromArray(F, p, bk + L);
            FloatVector b2 = FloatVector.fromArray(F, p, bk + 2 * L), b3 = FloatVector.fromArray(F, p, bk + 3 * L);
            FloatVector x = FloatVector.broadcast(F, a[ar + k]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(F, a[a1 + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(F, a[a2 + k]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(F, a[a3 + k]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(F, a[a4 + k]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(F, a[a5 + k]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            c53 = x.fma(b3, c53);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c02.intoArray(c, co + 2 * L);
        c03.intoArray(c, co + 3 * L);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + L);
        c12.intoArray(c, co + ldc + 2 * L);
        c13.intoArray(c, co + ldc + 3 * L);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + L);
        c22.intoArray(c, co + 2 * ldc + 2 * L);
        c23.intoArray(c, co + 2 * ldc + 3 * L);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + L);
        c32.intoArray(c, co + 3 * ldc + 2 * L);
        c33.intoArray(c, co + 3 * ldc + 3 * L);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + L);
        c42.intoArray(c, co + 4 * ldc + 2 * L);
        c43.intoArray(c, co + 4 * ldc + 3 * L);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + L);
        c52.intoArray(c, co + 5 * ldc + 2 * L);
        c53.intoArray(c, co + 5 * ldc + 3 * L);
    }

    private static void two(int K, float[] a, int ar, int lda, float[] p, int po, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        int a1 = ar + lda;
        for (int k = 0; k < K; k++) {
            int bk = po + k * Packed.COLS;
            FloatVector b0 = FloatVector.fromArray(F, p, bk), b1 = FloatVector.fromArray(F, p, bk + L);
            FloatVector b2 = FloatVector.fromArray(F, p, bk + 2 * L), b3 = FloatVector.fromArray(F, p, bk + 3 * L);
            FloatVector x = FloatVector.broadcast(F, a[ar + k]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(F, a[a1 + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c02.intoArray(c, co + 2 * L);
        c03.intoArray(c, co + 3 * L);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + L);
        c12.intoArray(c, co + ldc + 2 * L);
        c13.intoArray(c, co + ldc + 3 * L);
    }

    private static void one(int K, float[] a, int ar, float[] p, int po, float[] c, int co) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        for (int k = 0; k < K; k++) {
            int bk = po + k * Packed.COLS;
            FloatVector x = FloatVector.broadcast(F, a[ar + k]);
            c0 = x.fma(FloatVector.fromArray(F, p, bk), c0);
            c1 = x.fma(FloatVector.fromArray(F, p, bk + L), c1);
            c2 = x.fma(FloatVector.fromArray(F, p, bk + 2 * L), c2);
            c3 = x.fma(FloatVector.fromArray(F, p, bk + 3 * L), c3);
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + L);
        c2.intoArray(c, co + 2 * L);
        c3.intoArray(c, co + 3 * L);
    }
}
