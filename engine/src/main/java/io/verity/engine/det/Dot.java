package io.verity.engine.det;

/**
 * The one matrix-product kernel behind MatMul, Gemm and Conv, and the heart of the engine's determinism
 * contract: {@code c[m][n] = round32(sum over k = 0, 1, ..., K-1 of (double) a[m][k] * (double) b[k][n])}.
 * A float32 product is exact in float64, so only the float64 additions round, always in ascending k,
 * then one rounding to float32. Blocking (4 rows by 256 columns) and threads only choose which output
 * elements are computed together; no element's sequence of operations changes, so the bits cannot.
 */
final class Dot {
    private Dot() {}

    static final int TILE = 256;
    static final int ROWS = 4;

    /**
     * @param a row-major M x K with row stride {@code lda}, starting at {@code aOff}
     * @param b row-major K x N with row stride {@code ldb}, starting at {@code bOff}
     * @param c receives M x N at {@code cOff}
     * @param bias per-row bias added after the sum (null for none); {@code biasOff} indexes it
     */
    static void matmul(Parallel par, int M, int N, int K, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, float[] bias, int biasOff) {
        matmul(par, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, N, bias, biasOff);
    }

    /** As above with an explicit row stride {@code ldc} for c (to write a column tile of a wider matrix). */
    static void matmul(Parallel par, int M, int N, int K, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
            float[] c, int cOff, int ldc, float[] bias, int biasOff) {
        int rowBlocks = (M + ROWS - 1) / ROWS, colTiles = (N + TILE - 1) / TILE;
        par.forEach(rowBlocks * colTiles, (long) ROWS * TILE * K, task -> {
            int rb = task / colTiles, ct = task % colTiles;
            int m0 = rb * ROWS, m1 = Math.min(M, m0 + ROWS);
            int j0 = ct * TILE, j1 = Math.min(N, j0 + TILE), w = j1 - j0;
            double[] acc0 = new double[TILE], acc1 = new double[TILE], acc2 = new double[TILE], acc3 = new double[TILE];
            if (m1 - m0 == ROWS) {
                int a0 = aOff + m0 * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
                for (int k = 0; k < K; k++) {
                    double x0 = a[a0 + k], x1 = a[a1 + k], x2 = a[a2 + k], x3 = a[a3 + k];
                    int bo = bOff + k * ldb + j0;
                    for (int j = 0; j < w; j++) {
                        double y = b[bo + j];
                        acc0[j] += x0 * y;
                        acc1[j] += x1 * y;
                        acc2[j] += x2 * y;
                        acc3[j] += x3 * y;
                    }
                }
            } else {
                for (int m = m0; m < m1; m++) {
                    double[] acc = m - m0 == 0 ? acc0 : m - m0 == 1 ? acc1 : m - m0 == 2 ? acc2 : acc3;
                    int ao = aOff + m * lda;
                    for (int k = 0; k < K; k++) {
                        double x = a[ao + k];
                        int bo = bOff + k * ldb + j0;
                        for (int j = 0; j < w; j++) acc[j] += x * b[bo + j];
                    }
                }
            }
            for (int m = m0; m < m1; m++) {
                double[] acc = m - m0 == 0 ? acc0 : m - m0 == 1 ? acc1 : m - m0 == 2 ? acc2 : acc3;
                int co = cOff + m * ldc + j0;
                if (bias == null) for (int j = 0; j < w; j++) c[co + j] = (float) acc[j];
                else {
                    double bv = bias[biasOff + m];
                    for (int j = 0; j < w; j++) c[co + j] = (float) (acc[j] + bv);
                }
            }
        });
    }

    /** The same contract for float64 operands (accumulation and result in float64). */
    static void matmul(int M, int N, int K, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff) {
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                double s = 0;
                for (int k = 0; k < K; k++) s += a[aOff + m * K + k] * b[bOff + k * N + n];
                c[cOff + m * N + n] = s;
            }
        }
    }
}
