package io.verity.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.verity.engine.EngineException;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Coverage-guided fuzzing (Jazzer) of the ONNX graph reader with arbitrary bytes as a model file: either it
 * refuses them as it documents (an {@link EngineException} of kind INVALID_MODEL naming the file, or an
 * IOException, which {@link OnnxGraphs#read(java.nio.file.Path)} turns into one), or it yields a graph: IR
 * version at least 1 and every input and output named. Nothing else may escape: no protobuf runtime exception,
 * no OutOfMemoryError from a declared length (the fuzz JVM has a 1 GB heap). Seeds (tiny models built with the
 * protobuf classes) and past findings:
 * {@code src/test/resources/io/verity/engine/onnx/OnnxGraphsFuzzTestInputs/}; docs/security.md, "Fuzzing".
 */
class OnnxGraphsFuzzTest {
    @FuzzTest(maxDuration = "6s")
    void models_are_refused_as_invalid_or_yield_a_schema(byte[] file) {
        OnnxGraphInfo info;
        try {
            info = OnnxGraphs.read(new ByteArrayInputStream(file), "fuzzed.onnx");
        } catch (EngineException e) {
            assertThat(e.kind()).isEqualTo(EngineException.Kind.INVALID_MODEL);
            assertThat(e.getMessage()).startsWith("fuzzed.onnx: ");
            return;
        } catch (IOException e) {
            return; // read(Path) reports it as INVALID_MODEL "cannot read model file ..."
        }
        assertThat(info.irVersion()).isGreaterThanOrEqualTo(1);
        info.schema().inputs().forEach(spec -> assertThat(spec.name()).isNotEmpty());
        info.schema().outputs().forEach(spec -> assertThat(spec.name()).isNotEmpty());
    }
}
