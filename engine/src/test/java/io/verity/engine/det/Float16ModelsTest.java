package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.Inference;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** float16 models (transformers ship float16 weights): storage, per-node rounding, casts, digests. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class Float16ModelsTest {
    @TempDir
    Path dir;

    /** x[4] (float16) * w[4] (float16 initializer in int32_data) -> y (float16) -> Cast to float32 -> z; Cast(x) to float64 -> d. */
    OnnxBuilder.Written mulThenCast() throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("x", 10, 4).output("y", 10).output("z", 1).output("d", 11);
        var w = b.g.addInitializerBuilder().setName("w").setDataType(10).addDims(4);
        for (int bits : new int[] {0x3c01, 0x4000, 0x3800, 0x3c01}) w.addInt32Data(bits); // 1+2^-10, 2, 0.5, 1+2^-10
        b.add(b.node("Mul", new String[] {"x", "w"}, new String[] {"y"}));
        b.add(b.node("Cast", new String[] {"y"}, new String[] {"z"}).addAttribute(OnnxBuilder.intAttr("to", 1)));
        b.add(b.node("Cast", new String[] {"x"}, new String[] {"d"}).addAttribute(OnnxBuilder.intAttr("to", 11)));
        return b.write(dir);
    }

    static Tensor halves(String name, int... bits) {
        ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int h : bits) b.putShort((short) h);
        return Tensor.ofRaw(name, DType.FLOAT16, Shape.of(bits.length), b.array());
    }

    @Test
    void computes_each_node_in_float32_and_rounds_once_to_float16_under_both_contracts() throws Exception {
        var w = mulThenCast();
        // 1 * (1+2^-10); 65504 * 2 overflows; 2^-24 * 0.5 = 2^-25 ties to even 0; (1+2^-10)^2 = 1 + 2^-9 + 2^-20 rounds to 1 + 2^-9
        List<Tensor> in = List.of(halves("x", 0x3c00, 0x7bff, 0x0001, 0x3c01));
        Inference first = null;
        for (String id : List.of(DeterministicEngine.ID, DeterministicEngine.ID_V3)) {
            try (DeterministicEngine e = DeterministicEngine.create(2, true, id)) {
                Inference out = e.load(w.digest(), w.file()).run(in);
                assertThat(out.outputs().get(0)).isEqualTo(halves("y", 0x3c01, 0x7c00, 0x0000, 0x3c02));
                assertThat(out.outputs().get(1).floats()).containsExactly(1 + 0x1p-10f, Float.POSITIVE_INFINITY, 0f, 1 + 0x1p-9f);
                assertThat(out.outputs().get(2).dtype()).isEqualTo(DType.FLOAT64);
                assertThat(out.outputs().get(2).data().order(ByteOrder.LITTLE_ENDIAN).getDouble(8)).isEqualTo(65504.0);
                if (first != null) assertThat(out).isEqualTo(first); // same bits, same trace under /2 and /3
                first = out;
            }
        }
        // the float16 output digests as the protocol's dtype 10
        assertThat(TensorDigests.tensorDigest(first.outputs().get(0)))
                .isEqualTo(TensorDigests.tensorDigest(halves("y", 0x3c01, 0x7c00, 0x0000, 0x3c02)));
    }

    @Test
    void layer_normalization_of_float16_gives_float16_y_and_float32_statistics() throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("x", 10, 2).output("y", 10).output("mean", 1).output("inv", 1);
        var s = b.g.addInitializerBuilder().setName("s").setDataType(10).addDims(2);
        s.addInt32Data(0x3c00).addInt32Data(0x3c00); // scale 1, 1
        b.add(b.node("LayerNormalization", new String[] {"x", "s"}, new String[] {"y", "mean", "inv"}));
        var w = b.write(dir);
        try (DeterministicEngine e = DeterministicEngine.create(1, false)) {
            var out = e.load(w.digest(), w.file()).run(List.of(halves("x", 0x3c00, 0x4200))).outputs(); // x = [1, 3]
            assertThat(out.get(0)).isEqualTo(halves("y", 0xbc00, 0x3c00)); // +-1 / sqrt(1 + 1e-5) rounds to +-1 in float16
            assertThat(out.get(1).floats()).containsExactly(2f); // the mean, float32
            assertThat(out.get(2).dtype()).isEqualTo(DType.FLOAT32);
        }
    }

    @Test
    void casts_float64_to_float16_in_one_rounding() throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("d", 11, 2).output("h", 10);
        b.add(b.node("Cast", new String[] {"d"}, new String[] {"h"}).addAttribute(OnnxBuilder.intAttr("to", 10)));
        var w = b.write(dir);
        try (DeterministicEngine e = DeterministicEngine.create(1, false)) {
            var out = e.load(w.digest(), w.file()).run(List.of(Tensor.ofDoubles("d", Shape.of(2), 1 + 0x1p-11 + 0x1p-40, -70000)));
            // just above the tie goes up (through float32 it would tie and go to even 1.0); -70000 overflows
            assertThat(out.outputs().get(0)).isEqualTo(halves("h", 0x3c01, 0xfc00));
        }
    }
}
