package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LogisticRegressionTrainer;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * A Tribuo logistic-regression classifier, exported to ONNX by Tribuo itself, runs on verity-det/1 and gives
 * the class probabilities Tribuo computes (Tribuo works in float64, the ONNX model in float32: within 1e-5).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TribuoClassifierTest {
    static final String[] FEATURES = {"f0", "f1", "f2", "f3"};

    @TempDir
    Path dir;

    @Test
    void runs_a_tribuo_exported_classifier_to_tribuos_own_probabilities() throws Exception {
        LabelFactory lf = new LabelFactory();
        MutableDataset<Label> data = new MutableDataset<>(new SimpleDataSourceProvenance("synthetic, seed 7", lf), lf);
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 300; i++) {
            int cls = i % 3;
            double[] v = new double[FEATURES.length];
            for (int j = 0; j < v.length; j++) v[j] = r.nextGaussian() + (j == cls ? 2.5 : 0);
            data.add(new ArrayExample<>(new Label("c" + cls), FEATURES, v));
        }
        Model<Label> model = new LogisticRegressionTrainer().train(data);
        ModelProto proto = ((ONNXExportable) model).exportONNXModel("io.verity.test", 1);
        byte[] bytes = proto.toByteArray();
        Path f = Files.write(dir.resolve("tribuo-lr.onnx"), bytes);

        try (DeterministicEngine engine = DeterministicEngine.create(1, true)) {
            DeterministicModel m = engine.load(Keccak256.hash(bytes), f);
            String in = m.schema().inputs().get(0).name();
            for (int t = 0; t < 5; t++) {
                double[] v = new double[FEATURES.length];
                float[] fv = new float[FEATURES.length];
                for (int j = 0; j < v.length; j++) {
                    fv[j] = (float) (r.nextGaussian() * 2);
                    v[j] = fv[j];
                }
                Example<Label> ex = new ArrayExample<>(new Label("c0"), FEATURES, v);
                Prediction<Label> p = model.predict(ex);
                float[] probs = m.run(List.of(Tensor.ofFloats(in, Shape.of(1, FEATURES.length), fv))).outputs().get(0).floats();
                assertThat(probs).hasSize(3);
                for (var e : p.getOutputScores().entrySet()) {
                    int idx = model.getOutputIDInfo().getID(e.getValue());
                    assertThat((double) probs[idx]).as("probability of %s", e.getKey()).isCloseTo(e.getValue().getScore(), within(1e-5));
                }
            }
        }
    }
}
