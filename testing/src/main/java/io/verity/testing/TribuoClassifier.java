package io.verity.testing;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.ONNXExportable;
import org.tribuo.Prediction;
import org.tribuo.Tribuo;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * A real trained classifier as an ONNX fixture: Tribuo multinomial logistic regression (linear SGD with log
 * loss, AdaGrad) trained on a <b>synthetic</b> seeded dataset, exported to ONNX by Tribuo itself.
 *
 * <p>Dataset ({@link #DATASET}): 3 classes {@code a, b, c} of 100 points each in 4 features {@code x0..x3},
 * drawn from isotropic Gaussians (sigma {@value #SIGMA}) around fixed centres, so the classes overlap a
 * little and probabilities are not all 0/1. ONNX model: input {@code input} float32[?, 4] (features in
 * {@code x0..x3} order), output {@code output} float32[?, 3] softmax probabilities in {@link #labels()} order.
 *
 * <p>The same seed gives the same file bytes: Tribuo's own provenance and doc string (which hold the training
 * time and the host) are replaced by fixed metadata entries {@code verity.generator}, {@code tribuo.version},
 * {@code seed} and {@code dataset}.
 */
public final class TribuoClassifier {
    public static final int FEATURES = 4;
    public static final int PER_CLASS = 100;
    public static final double SIGMA = 0.6;
    public static final String DATASET = "synthetic: 3 classes (a, b, c) x " + PER_CLASS
            + " points, 4 features x0..x3, isotropic Gaussian sigma " + SIGMA
            + " around a=(1,1,0,0) b=(-1,0,1,0) c=(0,-1,-1,1), SplittableRandom(seed), Box-Muller with StrictMath";
    static final Map<String, double[]> CENTRES = centres();
    private static final String[] FEATURE_NAMES = {"x0", "x1", "x2", "x3"};
    private static final int EPOCHS = 10;

    private final long seed;
    private final LinearSGDModel model;
    private final List<String> labels;

    private TribuoClassifier(long seed, LinearSGDModel model) {
        this.seed = seed;
        this.model = model;
        List<String> l = new ArrayList<>();
        for (int i = 0; i < model.getOutputIDInfo().size(); i++) l.add(model.getOutputIDInfo().getOutput(i).getLabel());
        this.labels = List.copyOf(l);
    }

    private static Map<String, double[]> centres() {
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("a", new double[] {1, 1, 0, 0});
        m.put("b", new double[] {-1, 0, 1, 0});
        m.put("c", new double[] {0, -1, -1, 1});
        return Collections.unmodifiableMap(m);
    }

    /** Generates the dataset from {@code seed} and trains on it with the same seed; deterministic. */
    public static TribuoClassifier train(long seed) {
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> data = new MutableDataset<>(
                new SimpleDataSourceProvenance(DATASET + ", seed " + seed, factory), factory);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Example<Label>> examples = new ArrayList<>();
        for (var c : CENTRES.entrySet()) {
            for (int i = 0; i < PER_CLASS; i++) {
                double[] x = new double[FEATURES];
                for (int f = 0; f < FEATURES; f++) x[f] = c.getValue()[f] + SIGMA * gaussian(rnd);
                examples.add(new ArrayExample<>(new Label(c.getKey()), FEATURE_NAMES, x));
            }
        }
        data.addAll(examples);
        var trainer = new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(0.1, 0.1), EPOCHS,
                Integer.MAX_VALUE, 1, seed);
        return new TribuoClassifier(seed, trainer.train(data));
    }

    public long seed() {
        return seed;
    }

    /** Class names in the order of the ONNX output's columns. */
    public List<String> labels() {
        return labels;
    }

    /**
     * {@code n} fresh points from the training distribution (classes in turn), for comparing predictions.
     *
     * @throws IllegalArgumentException when n is not between 1 and 100000
     */
    public static float[][] samples(int n, long seed) {
        if (n < 1 || n > 100_000) throw new IllegalArgumentException("n must be between 1 and 100000, got " + n);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<double[]> cs = List.copyOf(CENTRES.values());
        float[][] out = new float[n][FEATURES];
        for (int i = 0; i < n; i++) {
            double[] c = cs.get(i % cs.size());
            for (int f = 0; f < FEATURES; f++) out[i][f] = (float) (c[f] + SIGMA * gaussian(rnd));
        }
        return out;
    }

    /**
     * Tribuo's own class probabilities for one point, in {@link #labels()} order.
     *
     * @throws IllegalArgumentException when {@code features} does not have {@value #FEATURES} values
     */
    public double[] probabilities(float[] features) {
        Objects.requireNonNull(features, "features");
        if (features.length != FEATURES) {
            throw new IllegalArgumentException("features must have " + FEATURES + " values, got " + features.length);
        }
        double[] x = new double[FEATURES];
        for (int f = 0; f < FEATURES; f++) x[f] = features[f];
        Prediction<Label> p = model.predict(new ArrayExample<>(LabelFactory.UNKNOWN_LABEL, FEATURE_NAMES, x));
        Map<String, Label> scores = p.getOutputScores();
        double[] out = new double[labels.size()];
        for (int i = 0; i < out.length; i++) out[i] = scores.get(labels.get(i)).getScore();
        return out;
    }

    /** Tribuo's predicted class for one point. */
    public String predict(float[] features) {
        double[] p = probabilities(features);
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        return labels.get(best);
    }

    /** The ONNX model with Verity's fixed provenance metadata; same seed, same bytes. */
    public byte[] onnxBytes() {
        OnnxMl.ModelProto exported = model.exportONNXModel("io.verity.testing", 1);
        // Tribuo's doc_string is the model's toString(), which embeds the training time: replace it too.
        OnnxMl.ModelProto.Builder b = exported.toBuilder().clearMetadataProps()
                .setDocString("Tribuo multinomial logistic regression on a synthetic dataset; see metadata_props");
        for (OnnxMl.StringStringEntryProto e : exported.getMetadataPropsList()) {
            if (!e.getKey().equals(ONNXExportable.PROVENANCE_METADATA_FIELD)) b.addMetadataProps(e);
        }
        meta(b, "verity.generator", TribuoClassifier.class.getName() + ".train(" + seed + ")");
        meta(b, "tribuo.version", Tribuo.VERSION);
        meta(b, "model", "LinearSGDModel: multinomial logistic regression, LogMulticlass, AdaGrad(0.1, 0.1), "
                + EPOCHS + " epochs, minibatch 1");
        meta(b, "seed", Long.toString(seed));
        meta(b, "dataset", DATASET);
        return b.build().toByteArray();
    }

    private static void meta(OnnxMl.ModelProto.Builder b, String key, String value) {
        b.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value));
    }

    /** Writes {@link #onnxBytes()} to {@code file} (replacing it) and returns the file. */
    public Path export(Path file) {
        Objects.requireNonNull(file, "file");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(onnxBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ONNX model to " + file, e);
        }
        return file;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }
}
