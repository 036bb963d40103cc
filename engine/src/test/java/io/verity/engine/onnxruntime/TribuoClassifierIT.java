package io.verity.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import io.verity.engine.LoadedModel;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec;
import io.verity.protocol.tensor.TensorSpec.Dim;
import io.verity.testing.OnnxBackendTestData;
import io.verity.testing.TribuoClassifier;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Tribuo logistic regression exported to ONNX answers through ONNX Runtime as it does inside Tribuo. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TribuoClassifierIT {
    private static final long SEED = 42;
    private static final int SAMPLES = 300;
    private static TribuoClassifier classifier;
    @AutoClose
    private static final OnnxRuntimeEngine engine = OnnxRuntimeEngine.create();
    private static LoadedModel model;

    @TempDir
    static Path dir;

    @BeforeAll
    static void train() {
        classifier = TribuoClassifier.train(SEED);
        byte[] bytes = classifier.onnxBytes();
        model = engine.load(TinyOnnx.digest(bytes), classifier.export(dir.resolve("tribuo.onnx")));
    }

    @Test
    void onnx_runtime_probabilities_match_tribuos_own_for_fresh_samples() {
        float[][] x = TribuoClassifier.samples(SAMPLES, SEED + 1);
        float[] flat = new float[SAMPLES * TribuoClassifier.FEATURES];
        for (int i = 0; i < SAMPLES; i++) System.arraycopy(x[i], 0, flat, i * TribuoClassifier.FEATURES, TribuoClassifier.FEATURES);

        Tensor out = model.run(List.of(Tensor.ofFloats("input", Shape.of(SAMPLES, TribuoClassifier.FEATURES), flat)))
                .outputs().getFirst();

        int classes = classifier.labels().size();
        assertThat(out.shape()).isEqualTo(Shape.of(SAMPLES, classes));
        float[] p = out.floats();
        for (int i = 0; i < SAMPLES; i++) {
            double[] expected = classifier.probabilities(x[i]);
            int best = 0;
            for (int c = 0; c < classes; c++) {
                // Tribuo computes in double, the exported graph in float32.
                assertThat((double) p[i * classes + c]).as("sample %d class %s", i, classifier.labels().get(c))
                        .isCloseTo(expected[c], within(1e-5));
                if (p[i * classes + c] > p[i * classes + best]) best = c;
            }
            assertThat(classifier.labels().get(best)).as("sample %d", i).isEqualTo(classifier.predict(x[i]));
        }
    }

    @Test
    void the_classifier_learned_the_clusters() {
        float[][] x = TribuoClassifier.samples(SAMPLES, SEED + 2);
        List<String> truth = List.of("a", "b", "c"); // samples() cycles through the classes in this order
        int right = 0;
        for (int i = 0; i < SAMPLES; i++) if (classifier.predict(x[i]).equals(truth.get(i % 3))) right++;

        assertThat(right).as("correct out of %d", SAMPLES).isGreaterThan(SAMPLES * 8 / 10);
    }

    @Test
    void schema_is_a_batch_of_four_features_to_one_probability_per_class() {
        assertThat(model.schema().inputs()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("input");
            assertThat(s.dtype()).isEqualTo(DType.FLOAT32);
            assertThat(s.dims()).hasSize(2).element(1).isEqualTo(new Dim.Fixed(4));
            assertThat(s.dims().getFirst()).isInstanceOf(Dim.Dynamic.class);
        });
        assertThat(model.schema().outputs()).singleElement().extracting(TensorSpec::dtype).isEqualTo(DType.FLOAT32);
        assertThat(model.schema().outputs().getFirst().dims().get(1)).isEqualTo(new Dim.Fixed(3));
    }

    @Test
    void the_same_seed_gives_the_same_file_and_another_seed_another() {
        Keccak256 digest = Keccak256.hash(classifier.onnxBytes());

        assertThat(Keccak256.hash(TribuoClassifier.train(SEED).onnxBytes())).isEqualTo(digest);
        assertThat(Keccak256.hash(TribuoClassifier.train(SEED + 1).onnxBytes())).isNotEqualTo(digest);
    }

    @Test
    void the_file_records_tribuo_version_seed_and_the_synthetic_dataset() {
        OnnxMl.ModelProto proto = OnnxBackendTestData.readModel(dir.resolve("tribuo.onnx"));
        Map<String, String> meta = new HashMap<>();
        for (OnnxMl.StringStringEntryProto e : proto.getMetadataPropsList()) meta.put(e.getKey(), e.getValue());

        assertThat(meta).containsEntry("tribuo.version", "4.3.2").containsEntry("seed", "42")
                .containsEntry("verity.generator", "io.verity.testing.TribuoClassifier.train(42)")
                .doesNotContainKey("TRIBUO_PROVENANCE");
        assertThat(meta.get("dataset")).startsWith("synthetic: 3 classes");
    }
}
