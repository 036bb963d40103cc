package io.verity.engine.onnxruntime;

import static io.verity.engine.EngineAssertions.assertFailsAs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import io.verity.engine.EngineException;
import io.verity.engine.EngineException.Kind;
import io.verity.engine.LoadedModel;
import io.verity.engine.onnxruntime.OnnxRuntimeSettings.Optimization;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.testing.OnnxBackendTestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine identity, the session cache, lifecycle and error mapping, on tiny real ONNX graphs. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class OnnxRuntimeEngineIT {
    @AutoClose
    private final OnnxRuntimeEngine engine = OnnxRuntimeEngine.create();

    @TempDir
    Path dir;

    private final byte[] identity = TinyOnnx.identity(DType.FLOAT32, 2, 3);

    private Path identityFile() {
        return TinyOnnx.write(dir, "identity.onnx", identity);
    }

    private static final Tensor X = Tensor.ofFloats("x", Shape.of(2, 3), 1, 2, 3, 4, 5, 6);

    @Test
    void id_names_the_pinned_onnxruntime_version_read_from_the_native_library() {
        assertThat(OrtEnvironment.getEnvironment().getVersion()).isEqualTo("1.29.0");
        assertThat(engine.id()).isEqualTo("onnxruntime/1.29.0/cpu");
    }

    @Test
    void id_includes_settings_that_can_change_results() {
        try (var tuned = OnnxRuntimeEngine.create(OnnxRuntimeSettings.defaults()
                .withOptimization(Optimization.ALL).withIntraOpThreads(2).withInterOpThreads(2))) {
            assertThat(tuned.id()).isEqualTo("onnxruntime/1.29.0/cpu/opt=all/intra=2");
            assertThat(tuned.load(TinyOnnx.digest(identity), identityFile()).run(List.of(X)).outputs())
                    .containsExactly(X.withName("y"));
        }
    }

    @Test
    void every_optimization_level_runs_a_model() {
        for (Optimization level : Optimization.values()) {
            try (var e = OnnxRuntimeEngine.create(OnnxRuntimeSettings.defaults().withOptimization(level))) {
                assertThat(e.load(TinyOnnx.digest(identity), identityFile()).run(List.of(X)).outputs())
                        .as("%s", level).containsExactly(X.withName("y"));
            }
        }
    }

    @Test
    void runs_and_returns_untraced_outputs_named_by_the_graph() {
        var inference = engine.load(TinyOnnx.digest(identity), identityFile()).run(List.of(X));

        assertThat(inference.outputs()).containsExactly(X.withName("y"));
        assertThat(inference.traceRoot()).isEqualTo(Keccak256.ZERO);
    }

    @Test
    void loading_a_digest_again_returns_the_loaded_model() {
        Keccak256 d = TinyOnnx.digest(identity);

        assertThat(engine.load(d, identityFile())).isSameAs(engine.load(d, identityFile()));
    }

    @Test
    void concurrent_loads_of_one_digest_share_one_session() throws Exception {
        Keccak256 d = TinyOnnx.digest(identity);
        Path file = identityFile();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<LoadedModel>> loads = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                loads.add(pool.submit(() -> {
                    start.await();
                    return engine.load(d, file);
                }));
            }
            start.countDown();
            LoadedModel first = loads.getFirst().get();
            for (Future<LoadedModel> f : loads) assertThat(f.get()).isSameAs(first);
        }
        assertThat(engine.sessionsCreated()).as("ORT sessions created").isEqualTo(1);
    }

    @Test
    void unload_frees_the_model_so_runs_fail_and_the_next_load_creates_a_new_one() {
        Keccak256 d = TinyOnnx.digest(identity);
        LoadedModel m = engine.load(d, identityFile());

        engine.unload(d);
        engine.unload(d); // a no-op the second time

        assertFailsAs(Kind.FAILURE, () -> m.run(List.of(X)))
                .hasMessage("model " + d.toHex() + " (identity.onnx): model was unloaded");
        LoadedModel again = engine.load(d, identityFile());
        assertThat(again).isNotSameAs(m);
        assertThat(again.run(List.of(X)).outputs()).containsExactly(X.withName("y"));
    }

    @Test
    void close_is_idempotent_and_refuses_later_loads() {
        Keccak256 d = TinyOnnx.digest(identity);
        LoadedModel m = engine.load(d, identityFile());

        engine.close();
        engine.close();

        assertThatThrownBy(() -> m.run(List.of(X))).isInstanceOf(EngineException.class)
                .hasMessageEndingWith("model was unloaded");
        assertThatThrownBy(() -> engine.load(d, identityFile()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("engine onnxruntime/1.29.0/cpu is closed");
    }

    @Test
    void a_file_that_is_not_onnx_is_an_invalid_model_and_the_failure_is_not_cached() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.onnx"), "this is not a protobuf", StandardCharsets.UTF_8);
        Keccak256 d = TinyOnnx.digest(identity);

        assertFailsAs(Kind.INVALID_MODEL, () -> engine.load(d, garbage))
                .hasMessageStartingWith("model " + d.toHex() + " (garbage.onnx): onnxruntime cannot load the model (ORT_");
        assertThat(engine.load(d, identityFile()).run(List.of(X)).outputs()).hasSize(1);
    }

    @Test
    void a_missing_file_is_an_invalid_model_naming_the_path() {
        Path missing = dir.resolve("missing.onnx");
        Keccak256 d = Keccak256.hash(new byte[] {1});

        assertFailsAs(Kind.INVALID_MODEL, () -> engine.load(d, missing))
                .hasMessage("model " + d.toHex() + " (missing.onnx): no model file at " + missing);
    }

    @Test
    void a_graph_that_does_not_type_check_is_an_invalid_model() {
        // Cast to a type code ONNX does not define (99): a valid protobuf whose graph ORT must reject.
        byte[] bad = TinyOnnx.castToCode(DType.FLOAT32, 99, 2);

        assertFailsAs(Kind.INVALID_MODEL, () -> engine.load(TinyOnnx.digest(bad), TinyOnnx.write(dir, "bad.onnx", bad)));
    }

    @Test
    void a_model_with_sequence_values_is_an_invalid_model_naming_the_value() throws Exception {
        // An ONNX backend case (Debian libonnx-testdata) whose inputs and output are sequences of tensors.
        Path seq = OnnxBackendTestData.root().resolve("node/test_sequence_insert_at_back/model.onnx");
        Keccak256 d = Keccak256.hash(Files.readAllBytes(seq));

        assertFailsAs(Kind.INVALID_MODEL, () -> engine.load(d, seq))
                .hasMessageStartingWith("model " + d.toHex() + " (model.onnx): cannot read its inputs and outputs: "
                        + "input 'sequence' must be a tensor, got SequenceInfo");
    }

    @Test
    void wrong_fixed_dims_at_run_are_invalid_input_naming_the_input_and_dim() {
        LoadedModel m = engine.load(TinyOnnx.digest(identity), identityFile());
        String label = "model " + TinyOnnx.digest(identity).toHex() + " (identity.onnx): ";

        assertFailsAs(Kind.INVALID_INPUT, () -> m.run(List.of(Tensor.ofFloats("x", Shape.of(2, 4), new float[8]))))
                .hasMessage(label + "input 'x' dim 1 must be 3 float32[2, 3], got shape [2, 4]");
        assertThatThrownBy(() -> m.run(List.of(Tensor.ofFloats("x", Shape.of(6), new float[6]))))
                .hasMessage(label + "input 'x' must have rank 2 float32[2, 3], got shape [6]");
    }

    /**
     * ORT reports an input declared without any shape as rank 0 and accepts any rank for it, so the engine
     * cannot enforce rank 0: a tensor of any rank reaches ORT (which, as for a declared scalar, runs it).
     */
    @Test
    void an_input_declared_without_shape_accepts_any_rank() {
        byte[] noShape = TinyOnnx.identityWithoutShape(DType.FLOAT32);
        LoadedModel any = engine.load(TinyOnnx.digest(noShape), TinyOnnx.write(dir, "noshape.onnx", noShape));

        assertThat(any.schema().inputs().getFirst().dims()).as("what ORT reports").isEmpty();
        assertThat(any.run(List.of(X)).outputs()).containsExactly(X.withName("y"));
    }

    @Test
    void wrong_names_or_dtypes_at_run_are_invalid_input() {
        LoadedModel m = engine.load(TinyOnnx.digest(identity), identityFile());
        String label = "model " + TinyOnnx.digest(identity).toHex() + " (identity.onnx): ";

        assertThatThrownBy(() -> m.run(List.of(Tensor.ofInts("x", Shape.of(2, 3), new int[6]))))
                .hasMessage(label + "input 'x' must be float32, got int32");
        assertThatThrownBy(() -> m.run(List.of()))
                .hasMessage(label + "input 'x' is missing, expected float32[2, 3]");
        assertThatThrownBy(() -> m.run(List.of(X, X)))
                .hasMessage(label + "input 'x' is given twice");
        assertFailsAs(Kind.INVALID_INPUT, () -> m.run(List.of(X, X.withName("z"))))
                .hasMessage(label + "unexpected input(s) [z], the model takes [x]");
    }

    @Test
    void dims_that_only_fail_inside_the_graph_are_invalid_input() {
        // Add with broadcasting: x[n] + y[m] passes the schema check for any n, m but the kernel rejects 2 vs 3.
        byte[] add = TinyOnnx.addDynamic(DType.FLOAT32);
        LoadedModel m = engine.load(TinyOnnx.digest(add), TinyOnnx.write(dir, "add.onnx", add));
        Tensor a = Tensor.ofFloats("a", Shape.of(2), 1, 2);
        Tensor b = Tensor.ofFloats("b", Shape.of(3), 1, 2, 3);

        assertThat(m.run(List.of(a, a.withName("b"))).outputs().getFirst().floats()).containsExactly(2, 4);
        assertFailsAs(Kind.INVALID_INPUT, () -> m.run(List.of(a, b)))
                .hasMessageContaining("add.onnx");
    }

    @Test
    void null_arguments_are_rejected_by_name() {
        assertThatThrownBy(() -> engine.load(null, identityFile())).hasMessage("digest");
        assertThatThrownBy(() -> engine.load(Keccak256.ZERO, null)).hasMessage("file");
        assertThatThrownBy(() -> engine.unload(null)).hasMessage("digest");
    }
}
