package io.verity.engine.det.ops.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The columns {@link Lanes} leaves to its scalar tail (fewer than one preferred vector: all of them for the
 * small convolutions of Silero VAD and PaddleOCR cls, 3 to 24 output pixels), on 256- and 128-bit vectors. As in
 * Lanes every lane is its own output column, summed over k ascending with one {@code fma} per k from +0, so the
 * bits are the scalar tail's; the vector width only decides how many columns are computed at once.
 */
final class NarrowLanes {
    private NarrowLanes() {}

    private static final VectorSpecies<Float> PREFERRED = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256, S4 = FloatVector.SPECIES_128;

    /**
     * s[r + i][j] for i < n (at most 4) and columns j from j0 while a narrower vector fits before w.
     *
     * @return the first column left to the scalar tail
     */
    static int columns(int K, float[] a, int ar, int lda, int n, float[] b, int bo, int[] tap, float[][] s, int r, int j0, int w) {
        int j = j0;
        if (S8.length() < PREFERRED.length()) for (; j + 8 <= w; j += 8) rows8(K, a, ar, lda, n, b, bo + j, tap, s, r, j);
        if (S4.length() < PREFERRED.length()) for (; j + 4 <= w; j += 4) rows4(K, a, ar, lda, n, b, bo + j, tap, s, r, j);
        return j;
    }

    // One method per species, twice the same code: the Vector API compiles to vector instructions only where the species is a
    // constant, and one method taking the species (whole, or split into smaller kernels) ran Silero VAD legacy 10-90% slower.
    private static void rows8(int K, float[] a, int ar, int lda, int n, float[] b, int bo, int[] tap, float[][] s, int r, int j) {
        if (n < 4) { // one row at a time: vectors that may be skipped would not stay in registers
            for (int i = 0; i < n; i++) {
                FloatVector c = FloatVector.zero(S8);
                for (int k = 0; k < K; k++) c = FloatVector.broadcast(S8, a[ar + i * lda + k]).fma(FloatVector.fromArray(S8, b, bo + tap[k]), c);
                c.intoArray(s[r + i], j);
            }
            return;
        }
        FloatVector c0 = FloatVector.zero(S8), c1 = c0, c2 = c0, c3 = c0;
        for (int k = 0; k < K; k++) {
            FloatVector bv = FloatVector.fromArray(S8, b, bo + tap[k]);
            c0 = FloatVector.broadcast(S8, a[ar + k]).fma(bv, c0);
            c1 = FloatVector.broadcast(S8, a[ar + lda + k]).fma(bv, c1);
            c2 = FloatVector.broadcast(S8, a[ar + 2 * lda + k]).fma(bv, c2);
            c3 = FloatVector.broadcast(S8, a[ar + 3 * lda + k]).fma(bv, c3);
        }
        c0.intoArray(s[r], j);
        c1.intoArray(s[r + 1], j);
        c2.intoArray(s[r + 2], j);
        c3.intoArray(s[r + 3], j);
    }

    private static void rows4(int K, float[] a, int ar, int lda, int n, float[] b, int bo, int[] tap, float[][] s, int r, int j) {
        if (n < 4) { // one row at a time: vectors that may be skipped would not stay in registers
            for (int i = 0; i < n; i++) {
                FloatVector c = FloatVector.zero(S4);
                for (int k = 0; k < K; k++) c = FloatVector.broadcast(S4, a[ar + i * lda + k]).fma(FloatVector.fromArray(S4, b, bo + tap[k]), c);
                c.intoArray(s[r + i], j);
            }
            return;
        }
        FloatVector c0 = FloatVector.zero(S4), c1 = c0, c2 = c0, c3 = c0;
        for (int k = 0; k < K; k++) {
            FloatVector bv = FloatVector.fromArray(S4, b, bo + tap[k]);
            c0 = FloatVector.broadcast(S4, a[ar + k]).fma(bv, c0);
            c1 = FloatVector.broadcast(S4, a[ar + lda + k]).fma(bv, c1);
            c2 = FloatVector.broadcast(S4, a[ar + 2 * lda + k]).fma(bv, c2);
            c3 = FloatVector.broadcast(S4, a[ar + 3 * lda + k]).fma(bv, c3);
        }
        c0.intoArray(s[r], j);
        c1.intoArray(s[r + 1], j);
        c2.intoArray(s[r + 2], j);
        c3.intoArray(s[r + 3], j);
    }
}
