package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * verity-det/3's MatMul on packed b, through the engine: a weight (packed once, then reused from the node) and an
 * operand that changes per run (packed per call from the second run on) both give the fma chains' bits, run after run.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class PackedMatMulTest {
    static final int M = 13, K = 37, N = 150; // two 64-column strips and a tail; 13 rows = 6 + 6 + 1

    @TempDir
    Path dir;

    @Test
    void a_weight_and_a_per_run_operand_give_the_fma_chains_bits_on_every_run() throws Exception {
        SplittableRandom r = new SplittableRandom(41);
        float[] w = random(r, K * N);
        OnnxBuilder g = new OnnxBuilder().input("x", 1, M, K).input("v", 1, K, N).floats("w", new long[] {K, N}, w)
                .output("y", 1).output("z", 1);
        g.add(g.node("MatMul", new String[] {"x", "w"}, new String[] {"y"}));
        g.add(g.node("MatMul", new String[] {"x", "v"}, new String[] {"z"}));
        var model = g.write(dir);
        try (var one = DeterministicEngine.create(1, false, DeterministicEngine.ID_V3);
                var two = DeterministicEngine.create(2, false, DeterministicEngine.ID_V3)) {
            for (var engine : List.of(one, two)) {
                var m = engine.load(model.digest(), model.file());
                for (int run = 0; run < 3; run++) {
                    float[] x = random(r, M * K), v = random(r, K * N);
                    var out = m.run(List.of(Tensor.ofFloats("x", Shape.of(M, K), x), Tensor.ofFloats("v", Shape.of(K, N), v))).outputs();
                    assertThat(bits(out.get(0).floats())).as("weight, run %d", run).isEqualTo(bits(chains(x, w)));
                    assertThat(bits(out.get(1).floats())).as("operand, run %d", run).isEqualTo(bits(chains(x, v)));
                }
            }
        }
    }

    /** The contract's sums: fma over k ascending from +0. */
    static float[] chains(float[] a, float[] b) {
        float[] c = new float[M * N];
        for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) {
            float s = 0f;
            for (int k = 0; k < K; k++) s = Math.fma(a[i * K + k], b[k * N + j], s);
            c[i * N + j] = s;
        }
        return c;
    }

    static float[] random(SplittableRandom r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) ((r.nextDouble() * 2 - 1) * (1 << r.nextInt(6)));
        return f;
    }

    static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }
}
