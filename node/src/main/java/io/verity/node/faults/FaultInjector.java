package io.verity.node.faults;

import io.verity.engine.EngineException;
import io.verity.engine.InferenceEngine;
import io.verity.engine.det.DeterministicEngine;
import io.verity.node.Faults;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The node's deliberate faults ({@link Faults}), for fault tests only: each is one call at the point serving
 * meets it (the model file it loads, the outputs it signs, the time it answers), and a no-op without faults.
 */
public final class FaultInjector {
    private final Faults faults;
    private final RandomGenerator random;
    private final Path tamperedDir;

    /**
     * @param random      draws the perturbation of {@link Faults#perturb()}; unused without faults
     * @param tamperedDir where tampered model copies go ({@link Faults#tamperWeight()})
     */
    public FaultInjector(Faults faults, RandomGenerator random, Path tamperedDir) {
        this.faults = faults;
        this.random = random;
        this.tamperedDir = tamperedDir;
    }

    /**
     * The file to load for {@code digest}: with {@link Faults#tamperWeight()} on a deterministic engine, a
     * tampered copy, which the node then signs, traces and serves under the real digest.
     */
    public Path modelFile(Keccak256 digest, Path file, InferenceEngine engine) {
        if (!faults.tamperWeight() || !(engine instanceof DeterministicEngine)) return file;
        try {
            return ModelTamper.tampered(file, Files.createDirectories(tamperedDir).resolve(digest.toHex() + ".onnx"));
        } catch (IOException e) {
            throw new EngineException(EngineException.Kind.INVALID_MODEL, "cannot tamper with " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The outputs as the node signs them: with probability {@link Faults#perturb()}, every float32/float64 value
     * moved by a random 0.05 to 0.1 % of its magnitude (at least 1e-6), in a random direction, so the digest
     * changes and two lies differ. float16 and non-float outputs are left alone.
     */
    public List<Tensor> falsify(List<Tensor> outputs) {
        if (!liesThisTime()) return outputs;
        synchronized (random) {
            return perturb(outputs);
        }
    }

    /** Whether this answer is to be falsified ({@link Faults#perturb()}); for answers other than tensors. */
    public boolean liesThisTime() {
        double p = faults.perturb();
        if (p <= 0) return false;
        synchronized (random) { // the generator is not thread-safe; only faulty nodes pay for the lock
            return random.nextDouble() < p;
        }
    }

    /** Sleeps {@link Faults#addedLatency()}, if any. */
    public void delay() {
        Duration d = faults.addedLatency();
        if (d.isZero()) return;
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<Tensor> perturb(List<Tensor> outputs) {
        List<Tensor> out = new ArrayList<>(outputs.size());
        for (Tensor t : outputs) {
            if (t.dtype() == DType.FLOAT32) {
                float[] v = t.floats();
                for (int i = 0; i < v.length; i++) v[i] += (float) noise(v[i]);
                out.add(Tensor.ofFloats(t.name(), t.shape(), v));
            } else if (t.dtype() == DType.FLOAT64) {
                double[] v = t.doubles();
                for (int i = 0; i < v.length; i++) v[i] += noise(v[i]);
                out.add(Tensor.ofDoubles(t.name(), t.shape(), v));
            } else {
                out.add(t);
            }
        }
        return out;
    }

    private double noise(double x) {
        double magnitude = Math.max(Math.abs(x) * 1e-3, 1e-6) * (0.5 + 0.5 * random.nextDouble());
        return random.nextBoolean() ? magnitude : -magnitude;
    }
}
