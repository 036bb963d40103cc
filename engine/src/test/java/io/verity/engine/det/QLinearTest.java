package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.Inference;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(ReplaceUnderscores.class)
class QLinearTest {
    @TempDir
    Path dir;

    static Tensor u8(String name, Shape s, int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return Tensor.ofRaw(name, DType.UINT8, s, b);
    }

    @Test
    void qlinear_matmul_requantizes_with_ties_to_even_and_saturates_the_same_under_both_contracts() throws Exception {
        String[] names = {"a", "as", "az", "b", "bs", "bz", "ys", "yz"};
        OnnxBuilder b = new OnnxBuilder().input("a", 2, 2, 2).input("as", 1).input("az", 2).input("b", 2, 2, 1)
                .input("bs", 1).input("bz", 2).input("ys", 1).input("yz", 2).output("y", 2);
        b.add(b.node("QLinearMatMul", names, new String[] {"y"}));
        var w = b.write(dir);
        // (a - 2) = [[0, 2], [4, 6]], (b - 1) = [[2], [4]]: sums 8 and 32; m = 0.5 * 0.3125 / 0.5 = 0.3125;
        // 8 * m + 250 = 252.5 ties to even 252; 32 * m + 250 = 260 saturates to 255
        List<Tensor> in = List.of(u8("a", Shape.of(2, 2), 2, 4, 6, 8), Tensor.ofFloats("as", Shape.of(), 0.5f),
                u8("az", Shape.of(), 2), u8("b", Shape.of(2, 1), 3, 5), Tensor.ofFloats("bs", Shape.of(), 0.3125f),
                u8("bz", Shape.of(), 1), Tensor.ofFloats("ys", Shape.of(), 0.5f), u8("yz", Shape.of(), 250));
        Inference first = null;
        for (String id : List.of(DeterministicEngine.ID, DeterministicEngine.ID_V3)) {
            try (DeterministicEngine e = DeterministicEngine.create(2, true, id)) {
                Inference out = e.load(w.digest(), w.file()).run(in);
                assertThat(out.outputs().get(0)).isEqualTo(u8("y", Shape.of(2, 1), 252, 255));
                if (first != null) assertThat(out).isEqualTo(first);
                first = out;
            }
        }
    }
}
