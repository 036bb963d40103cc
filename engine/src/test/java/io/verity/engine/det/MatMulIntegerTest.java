package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MatMulInteger with batch dimensions, as ORT's dynamic quantization writes it for transformers
 * ([batch, tokens, hidden] x [hidden, out]; all-MiniLM-L6-v2-q, issue 17): the values worked out by the ONNX
 * definition (numpy matmul of the zero-point-shifted operands) in the test, and the same bits as the rank-2
 * case the backend suite covers ({@code test_matmulinteger}) applied batch by batch.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class MatMulIntegerTest {
    static final long SEED = 17;
    @TempDir
    Path dir;

    @Test
    void a_rank_3_input_times_a_matrix_gives_numpys_matmul_of_the_shifted_operands() throws Exception {
        check(2, 3, 5, 4, 131, 7, false);
    }

    /**
     * Long sums (the float32 lanes run k in chunks whose partial sums stay below 2^24), a column count past one
     * 512-wide tile and not a multiple of the vector width, extreme operands (all 255 against zero points 0).
     */
    @Test
    void long_sums_wide_rows_and_extreme_operands_stay_exact() throws Exception {
        check(1, 37, 1500, 530, 0, 0, false);
        check(2, 5, 777, 33, 128, 3, false);
        check(1, 6, 1500, 40, 0, 0, true);
    }

    private void check(int B, int M, int K, int N, int za, int zb, boolean extreme) throws Exception {
        Random r = new Random(SEED + K);
        byte[] a = new byte[B * M * K], w = new byte[K * N];
        r.nextBytes(a);
        r.nextBytes(w);
        if (extreme) {
            java.util.Arrays.fill(a, (byte) 255);
            java.util.Arrays.fill(w, (byte) 255);
        }
        OnnxBuilder g = new OnnxBuilder().input("a", 2, B, M, K).input("w", 2, K, N).input("za", 2).input("zb", 2).output("y", 6);
        g.add(g.node("MatMulInteger", new String[] {"a", "w", "za", "zb"}, new String[] {"y"}));
        var model = g.write(dir);
        try (var engine = DeterministicEngine.create(1, false)) {
            var m = engine.load(model.digest(), model.file());
            int[] y = m.run(List.of(u8("a", Shape.of(B, M, K), a), u8("w", Shape.of(K, N), w), u8("za", Shape.of(), (byte) za),
                    u8("zb", Shape.of(), (byte) zb))).outputs().get(0).ints();
            int[] want = new int[B * M * N];
            for (int q = 0; q < B; q++) for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) {
                int s = 0;
                for (int k = 0; k < K; k++) s += ((a[(q * M + i) * K + k] & 0xFF) - za) * ((w[k * N + j] & 0xFF) - zb);
                want[(q * M + i) * N + j] = s;
            }
            assertThat(y).containsExactly(want);
        }
    }

    static Tensor u8(String name, Shape shape, byte... v) {
        return Tensor.ofRaw(name, DType.UINT8, shape, v);
    }
}
