package io.verity.engine.det.ops.gemm;

import io.verity.engine.det.tensor.VectorModule;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** The Vector API kernels give the scalar loops' bits (a JVM without the incubator module runs the latter). */
@DisplayNameGeneration(ReplaceUnderscores.class)
class LanesTest {
    @Test
    void the_test_jvm_runs_with_the_vector_module_so_the_lanes_are_what_is_tested() {
        assertThat(VectorModule.PRESENT).isTrue();
    }

    @Test
    void fma_rows_equal_the_scalar_loops_for_every_row_count_and_width_with_tails() {
        SplittableRandom r = new SplittableRandom(17);
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + r.nextInt(Dot.ROWS), w = 1 + r.nextInt(Dot.TILE), K = 1 + r.nextInt(40), lda = K + r.nextInt(3);
            int ldb = w + r.nextInt(5);
            float[] a = new float[rows * lda + 3], b = new float[K * ldb + 7];
            for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
            for (int i = 0; i < b.length; i++) b[i] = (float) ((r.nextDouble() * 2 - 1) * (1 << r.nextInt(8)));
            if (trial % 7 == 0) b[r.nextInt(b.length)] = Float.NaN;
            if (trial % 11 == 0) a[r.nextInt(a.length)] = Float.POSITIVE_INFINITY;
            int[] tap = new int[K];
            for (int k = 0; k < K; k++) tap[k] = k * ldb;
            int a0 = r.nextInt(3), bo = r.nextInt(3);
            float[][] lanes = new float[Dot.ROWS][Dot.TILE], scalar = new float[Dot.ROWS][Dot.TILE];
            Lanes.fmaRows(K, a, a0, lda, rows, b, bo, tap, w, lanes);
            Dot.fmaRows(K, a, a0, lda, rows, b, bo, tap, w, scalar);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < w; j++) {
                    float s = 0f;
                    for (int k = 0; k < K; k++) s = Math.fma(a[a0 + i * lda + k], b[bo + tap[k] + j], s);
                    assertThat(Float.floatToIntBits(lanes[i][j])).as("lanes %d,%d of %dx%d K=%d", i, j, rows, w, K).isEqualTo(Float.floatToIntBits(s));
                    assertThat(Float.floatToIntBits(scalar[i][j])).isEqualTo(Float.floatToIntBits(s));
                }
            }
        }
    }

    /** MatMulInteger's block: 8-bit operands, k ranges that keep sums below 2^24, so the exact integer sums. */
    @Test
    void exact_blocks_equal_exact_integer_sums() {
        SplittableRandom r = new SplittableRandom(5);
        int R = Lanes.EXACT_ROWS, C = Lanes.EXACT_COLS;
        for (int trial = 0; trial < 200; trial++) {
            int K = 1 + r.nextInt(250), ldx = K + r.nextInt(3), k0 = r.nextInt(K), k1 = k0 + 1 + r.nextInt(K - k0);
            int ldy = C + r.nextInt(2) * C, xr = r.nextInt(3), yo = r.nextInt(5), j = r.nextInt(2) * C;
            float[] x = new float[xr + R * ldx], y = new float[yo + K * ldy + C];
            for (int i = 0; i < x.length; i++) x[i] = r.nextInt(-255, 256);
            for (int i = 0; i < y.length; i++) y[i] = r.nextInt(-128, 129);
            float[][] f = new float[R][2 * C];
            Lanes.exactBlock(k0, k1, x, xr, ldx, y, yo, ldy, f, 0, j);
            for (int i = 0; i < R; i++) for (int c = 0; c < C; c++) {
                long want = 0;
                for (int k = k0; k < k1; k++) want += (long) x[xr + i * ldx + k] * (long) y[yo + k * ldy + c];
                assertThat((long) f[i][j + c]).as("row %d col %d K=%d", i, c, K).isEqualTo(want);
            }
        }
    }
}
