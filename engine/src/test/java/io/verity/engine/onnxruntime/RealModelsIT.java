package io.verity.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import io.verity.engine.EngineException;
import io.verity.engine.LoadedModel;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec;
import io.verity.protocol.tensor.TensorSpec.Dim;
import io.verity.testing.OnnxBackendTestData;
import io.verity.testing.RealInputs;
import io.verity.testing.RealModel;
import io.verity.testing.RealModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real pretrained models from the npm packages (Silero VAD, PaddleOCR) through {@link OnnxRuntimeEngine}:
 * schemas checked against the graph parsed independently from the file, and outputs checked for meaning on
 * realistic inputs (rendered text for OCR, a tone for VAD).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class RealModelsIT {
    private static final String TEXT = "VERITY 2026";
    @AutoClose
    private static final OnnxRuntimeEngine engine = OnnxRuntimeEngine.create();

    static Stream<RealModel> models() {
        return RealModels.all().stream();
    }

    static LoadedModel load(RealModel model) {
        try {
            return engine.load(Keccak256.hash(Files.readAllBytes(model.file())), model.file());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void schema_matches_the_graph_declared_in_the_file(RealModel model) {
        assertThat(load(model).schema()).isEqualTo(declared(model));
    }

    @ParameterizedTest
    @MethodSource("models")
    void provenance_names_version_licence_and_upstream(RealModel model) {
        assertThat(model.version()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(model.source()).contains("npm @").contains("upstream https://github.com/");
        assertThat(model.license()).containsAnyOf("MIT", "Apache-2.0");
    }

    @Test
    void silero_vad_v5_gives_a_probability_and_a_new_state() {
        List<Tensor> out = load(RealModels.sileroVadV5()).run(RealInputs.sileroVadV5(1)).outputs();

        assertThat(out).extracting(Tensor::name).containsExactly("output", "stateN");
        assertThat(out.get(0).shape()).isEqualTo(Shape.of(1, 1));
        assertThat(out.get(0).floats()[0]).isBetween(0f, 1f);
        assertThat(out.get(1).shape()).isEqualTo(Shape.of(2, 1, 128));
        assertThat(out.get(1).floats()).as("the LSTM state moved").isNotEqualTo(new float[256]);
    }

    @Test
    void silero_vad_legacy_gives_a_probability_and_new_lstm_state() {
        List<Tensor> out = load(RealModels.sileroVadLegacy()).run(RealInputs.sileroVadLegacy(1)).outputs();

        assertThat(out).extracting(Tensor::name).containsExactly("output", "hn", "cn");
        assertThat(out.get(0).shape()).isEqualTo(Shape.of(1, 1));
        assertThat(out.get(0).floats()[0]).isBetween(0f, 1f);
        assertThat(out.get(1).shape()).isEqualTo(Shape.of(2, 1, 64));
        assertThat(out.get(2).shape()).isEqualTo(Shape.of(2, 1, 64));
    }

    @Test
    void ocr_direction_classifier_gives_softmax_rows_favouring_upright_for_upright_text() {
        float[] p = load(RealModels.paddleOcrCls()).run(RealInputs.paddleOcrCls(TEXT)).outputs().getFirst().floats();

        assertThat(p).hasSize(2);
        assertThat(p[0] + p[1]).isCloseTo(1f, within(1e-5f));
        assertThat(p[0]).as("P(0 degrees) for upright text").isGreaterThan(p[1]);
    }

    @Test
    void ocr_direction_classifier_favours_180_degrees_for_upside_down_text() {
        Tensor upright = RealInputs.paddleOcrCls(TEXT).getFirst();
        float[] x = upright.floats();
        int h = 48;
        int w = 192;
        float[] turned = new float[x.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int i = 0; i < w; i++) turned[c * h * w + (h - 1 - y) * w + (w - 1 - i)] = x[c * h * w + y * w + i];
            }
        }

        float[] p = load(RealModels.paddleOcrCls()).run(List.of(Tensor.ofFloats("x", upright.shape(), turned)))
                .outputs().getFirst().floats();

        assertThat(p[1]).as("P(180 degrees) for text turned upside down").isGreaterThan(p[0]);
    }

    @Test
    void ocr_detector_maps_probabilities_over_the_input_size_highest_on_the_text() {
        int h = 96;
        int w = 320;
        Tensor map = load(RealModels.paddleOcrDet()).run(RealInputs.paddleOcrDet(TEXT, h, w)).outputs().getFirst();

        assertThat(map.shape()).isEqualTo(Shape.of(1, 1, h, w));
        float[] p = map.floats();
        float max = 0;
        for (float v : p) {
            assertThat(v).isBetween(0f, 1f);
            max = Math.max(max, v);
        }
        assertThat(max).as("some pixel is confidently text").isGreaterThan(0.5f);
        assertThat(p[0]).as("top-left corner is background").isLessThan(0.1f);
        assertThat(p[h * w - 1]).as("bottom-right corner is background").isLessThan(0.1f);
    }

    @Test
    void ocr_recogniser_reads_the_rendered_text() throws IOException {
        int w = 320;
        Tensor probs = load(RealModels.paddleOcrRec()).run(RealInputs.paddleOcrRec(TEXT, w)).outputs().getFirst();

        assertThat(probs.shape().rank()).isEqualTo(3);
        assertThat(probs.shape().dim(2)).as("classes: blank, 6623 characters, space").isEqualTo(6625);
        List<String> keys = Files.readAllLines(RealModels.paddleOcrKeys(), StandardCharsets.UTF_8);
        // The model may read the gap and the blank tail as spaces (ASCII or the ideographic U+3000): ignore them.
        assertThat(ctcGreedy(probs, keys).replaceAll("[ \\u3000]", "")).isEqualTo(TEXT.replace(" ", ""));
    }

    @Test
    void two_threads_running_one_model_get_the_same_bytes_as_one_thread() throws Exception {
        for (RealModel model : List.of(RealModels.sileroVadV5(), RealModels.paddleOcrCls())) {
            LoadedModel m = load(model);
            List<List<Tensor>> inputs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                inputs.add(model.name().startsWith("silero")
                        ? RealInputs.sileroVadV5(i) : RealInputs.paddleOcrCls(TEXT + " " + i));
            }
            List<List<Tensor>> expected = new ArrayList<>();
            for (List<Tensor> in : inputs) expected.add(m.run(in).outputs());

            CountDownLatch start = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                List<Future<List<List<Tensor>>>> runs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    runs.add(pool.submit(() -> {
                        start.await();
                        List<List<Tensor>> got = new ArrayList<>();
                        for (int round = 0; round < 5; round++) {
                            for (List<Tensor> in : inputs) got.add(m.run(in).outputs());
                        }
                        return got;
                    }));
                }
                start.countDown();
                for (Future<List<List<Tensor>>> run : runs) {
                    List<List<Tensor>> got = run.get();
                    for (int k = 0; k < got.size(); k++) {
                        assertThat(got.get(k)).as("%s input %d", model, k % inputs.size())
                                .isEqualTo(expected.get(k % inputs.size()));
                    }
                }
            }
        }
    }

    @Test
    void unloading_while_other_threads_run_lets_each_run_finish_or_fail_cleanly() throws Exception {
        // Own engine: this test unloads the model the others share.
        try (OnnxRuntimeEngine own = OnnxRuntimeEngine.create()) {
            RealModel cls = RealModels.paddleOcrCls();
            LoadedModel m = own.load(cls.digest(), cls.file());
            List<Tensor> in = RealInputs.paddleOcrCls(TEXT);
            List<Tensor> expected = m.run(in).outputs();
            CountDownLatch running = new CountDownLatch(2);
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                List<Future<Integer>> workers = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    workers.add(pool.submit(() -> {
                        // Run until the unload is seen: every run before it is complete and correct.
                        for (int done = 0; ; done++) {
                            try {
                                assertThat(m.run(in).outputs()).isEqualTo(expected);
                            } catch (EngineException e) {
                                assertThat(e.getMessage()).endsWith("model was unloaded");
                                return done;
                            }
                            if (done == 0) running.countDown();
                        }
                    }));
                }
                assertThat(running.await(60, TimeUnit.SECONDS)).as("both workers ran once (hang guard)").isTrue();
                own.unload(cls.digest());
                for (Future<Integer> w : workers) assertThat(w.get()).as("successful runs before the unload").isPositive();
                assertThatThrownBy(() -> m.run(in)).hasMessageEndingWith("model was unloaded");
            }
        }
    }

    /** Nodes serve requests on virtual threads: ORT then runs on the carrier's stack (the JNI call pins it). */
    @Test
    void runs_from_virtual_threads_give_the_same_bytes() throws Exception {
        LoadedModel det = load(RealModels.paddleOcrDet());
        LoadedModel rec = load(RealModels.paddleOcrRec());
        List<Tensor> detIn = RealInputs.paddleOcrDet(TEXT, 96, 320);
        List<Tensor> recIn = RealInputs.paddleOcrRec(TEXT, 320);
        List<Tensor> detOut = det.run(detIn).outputs();
        List<Tensor> recOut = rec.run(recIn).outputs();

        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Boolean>> same = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                same.add(virtual.submit(() -> det.run(detIn).outputs().equals(detOut)));
                same.add(virtual.submit(() -> rec.run(recIn).outputs().equals(recOut)));
            }
            for (Future<Boolean> f : same) assertThat(f.get()).isTrue();
        }
    }

    /** Why inter-op threads are not in the engine id: running independent nodes in parallel changes no bits. */
    @Test
    void inter_op_threads_leave_every_output_bit_unchanged() {
        Map<RealModel, List<Tensor>> inputs = Map.of(
                RealModels.sileroVadV5(), RealInputs.sileroVadV5(3),
                RealModels.paddleOcrDet(), RealInputs.paddleOcrDet(TEXT, 96, 320),
                RealModels.paddleOcrRec(), RealInputs.paddleOcrRec(TEXT, 320));
        try (OnnxRuntimeEngine parallel = OnnxRuntimeEngine.create(
                OnnxRuntimeSettings.defaults().withInterOpThreads(2))) {
            assertThat(parallel.id()).isEqualTo(engine.id());
            for (var e : inputs.entrySet()) {
                RealModel m = e.getKey();
                assertThat(parallel.load(m.digest(), m.file()).run(e.getValue()).outputs()).as("%s", m)
                        .isEqualTo(load(m).run(e.getValue()).outputs());
            }
        }
    }

    /** Greedy CTC: best class per column, collapse repeats, drop blanks (class 0); class i is keys[i - 1]. */
    static String ctcGreedy(Tensor probs, List<String> keys) {
        int steps = (int) probs.shape().dim(1);
        int classes = (int) probs.shape().dim(2);
        float[] p = probs.floats();
        StringBuilder s = new StringBuilder();
        int previous = 0;
        for (int t = 0; t < steps; t++) {
            int best = 0;
            for (int c = 1; c < classes; c++) if (p[t * classes + c] > p[t * classes + best]) best = c;
            if (best != 0 && best != previous) s.append(best - 1 < keys.size() ? keys.get(best - 1) : " ");
            previous = best;
        }
        return s.toString();
    }

    /** The schema read straight from the ONNX protobuf, without ONNX Runtime. */
    static ModelSchema declared(RealModel model) {
        OnnxMl.GraphProto g = OnnxBackendTestData.readModel(model.file()).getGraph();
        Set<String> initializers = new HashSet<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) initializers.add(t.getName());
        List<TensorSpec> inputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getInputList()) if (!initializers.contains(v.getName())) inputs.add(spec(v));
        return new ModelSchema(inputs, g.getOutputList().stream().map(RealModelsIT::spec).toList());
    }

    private static TensorSpec spec(OnnxMl.ValueInfoProto v) {
        OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
        List<Dim> dims = new ArrayList<>();
        for (OnnxMl.TensorShapeProto.Dimension d : t.getShape().getDimList()) {
            dims.add(d.hasDimValue() ? new Dim.Fixed(d.getDimValue()) : new Dim.Dynamic(d.getDimParam()));
        }
        DType dtype = DType.fromOnnxCode(t.getElemType());
        return new TensorSpec(v.getName(), dtype, dims);
    }
}
