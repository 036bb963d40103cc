package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import ai.onnx.proto.OnnxMl.AttributeProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * float32 Pad of the last axis only (Silero VAD's reflect padding) takes a row-by-row path; it must give the
 * elements of the general path, which a float64 Pad of the same values still takes (Cast there and back is exact).
 */
class PadRowsTest {
    @TempDir
    Path dir;

    @Test
    void padding_the_last_axis_row_by_row_gives_the_general_paths_elements_in_every_mode() throws Exception {
        float[] v = new float[2 * 3 * 5];
        for (int i = 0; i < v.length; i++) v[i] = i % 7 == 0 ? -0f : i % 11 == 0 ? Float.NaN : i * 0.37f - 4;
        List<Tensor> x = List.of(Tensor.ofFloats("x", Shape.of(2, 3, 5), v));
        long[][] pads = {{0, 0, 2, 0, 0, 3}, {0, 0, 4, 0, 0, 0}, {0, 0, -1, 0, 0, 2}};
        try (DeterministicEngine engine = DeterministicEngine.create(1, false)) {
            for (String mode : new String[] {"constant", "reflect", "edge", "wrap"}) {
                for (long[] p : pads) {
                    if (!mode.equals("constant") && p[2] < 0) continue;
                    float[] rows = run(engine, pad(mode, p, false), x), general = run(engine, pad(mode, p, true), x);
                    assertThat(rows.length).isEqualTo(2 * 3 * (5 + (int) (p[2] + p[5])));
                    for (int i = 0; i < rows.length; i++) {
                        assertThat(Float.floatToRawIntBits(rows[i])).as("mode %s pads %s element %d", mode, java.util.Arrays.toString(p), i)
                                .isEqualTo(Float.floatToRawIntBits(general[i]));
                    }
                }
            }
        }
    }

    private OnnxBuilder.Written pad(String mode, long[] pads, boolean viaDouble) throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 2, 3, 5).output("y", 1).longs("pads", new long[] {6}, pads)
                .floats("cv", new long[] {}, 1.5f);
        b.opset = 19;
        AttributeProto m = AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(mode)).build();
        if (viaDouble) {
            b.add(b.node("Cast", new String[] {"x"}, new String[] {"xd"}).addAttribute(OnnxBuilder.intAttr("to", 11)));
            b.add(b.node("Cast", new String[] {"cv"}, new String[] {"cvd"}).addAttribute(OnnxBuilder.intAttr("to", 11)));
            b.add(b.node("Pad", new String[] {"xd", "pads", "cvd"}, new String[] {"yd"}).addAttribute(m));
            b.add(b.node("Cast", new String[] {"yd"}, new String[] {"y"}).addAttribute(OnnxBuilder.intAttr("to", 1)));
        } else {
            b.add(b.node("Pad", new String[] {"x", "pads", "cv"}, new String[] {"y"}).addAttribute(m));
        }
        return b.write(dir);
    }

    private static float[] run(DeterministicEngine engine, OnnxBuilder.Written w, List<Tensor> x) throws Exception {
        return engine.load(w.digest(), w.file()).run(x).outputs().get(0).floats();
    }
}
