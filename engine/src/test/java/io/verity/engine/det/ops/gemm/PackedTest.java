package io.verity.engine.det.ops.gemm;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.det.tensor.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** The packed MatMul gives verity-det/3's bits: each output the fma chain over k ascending from +0. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class PackedTest {
    @Test
    void the_test_jvm_runs_the_packed_kernels() {
        assertThat(Packed.available()).as("AVX-512 and the vector module; on other CPUs this suite tests the fallback only").isTrue();
    }

    @Test
    void packed_products_equal_the_scalar_fma_chains_for_every_row_remainder_column_tail_batch_and_thread_count() {
        SplittableRandom r = new SplittableRandom(23);
        try (Parallel three = new Parallel(3, 1)) {
            for (int trial = 0; trial < 120; trial++) {
                int M = 1 + r.nextInt(trial % 5 == 0 ? 200 : 20), N = Packed.COLS + r.nextInt(3 * Packed.COLS), K = r.nextInt(70);
                int G = 1 + r.nextInt(3), g = r.nextInt(G), lda = K + r.nextInt(3), ldc = N + r.nextInt(4);
                float[] a = new float[3 + M * lda], b = new float[G * K * N], c = new float[2 + M * ldc];
                for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
                for (int i = 0; i < b.length; i++) b[i] = (float) ((r.nextDouble() * 2 - 1) * (1 << r.nextInt(8)));
                if (trial % 7 == 0 && b.length > 0) b[r.nextInt(b.length)] = Float.NaN;
                if (trial % 11 == 0) a[r.nextInt(a.length)] = Float.POSITIVE_INFINITY;
                int aOff = r.nextInt(3), cOff = r.nextInt(2);
                Packed.matmul(trial % 2 == 0 ? Parallel.SERIAL : three, M, N, K, a, aOff, lda, b, g * K * N, N, Packed.pack(b, K, N),
                        Packed.batch(g, K, N), c, cOff, ldc);
                for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) {
                    float s = 0f;
                    for (int k = 0; k < K; k++) s = Math.fma(a[aOff + i * lda + k], b[(g * K + k) * N + j], s);
                    assertThat(Float.floatToRawIntBits(c[cOff + i * ldc + j])).as("%d,%d of %dx%dx%d", i, j, M, N, K).isEqualTo(Float.floatToRawIntBits(s));
                }
            }
        }
    }
}
