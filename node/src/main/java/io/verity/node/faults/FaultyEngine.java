package io.verity.node.faults;

import io.verity.engine.Inference;
import io.verity.engine.InferenceEngine;
import io.verity.engine.LoadedModel;
import io.verity.engine.RunStop;
import io.verity.node.Faults;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * An engine with the node's deliberate faults ({@link Faults}), for fault tests only: it loads the tampered
 * copy of a model ({@link Faults#tamperWeight()}), perturbs the outputs of a run ({@link Faults#perturb()}) and
 * answers late ({@link Faults#addedLatency()}), so serving code runs the engine it is given and has no fault
 * branches. Same id as the engine it wraps; the trace root of a run is the real one (a lie the trace exposes).
 */
public final class FaultyEngine implements InferenceEngine {
    private final InferenceEngine engine;
    private final FaultInjector faults;

    private FaultyEngine(InferenceEngine engine, FaultInjector faults) {
        this.engine = engine;
        this.faults = faults;
    }

    /** {@code engine} itself without faults, else the engine with them. */
    public static InferenceEngine of(InferenceEngine engine, Faults config, FaultInjector faults) {
        return config.any() ? new FaultyEngine(engine, faults) : engine;
    }

    @Override
    public String id() {
        return engine.id();
    }

    @Override
    public LoadedModel load(Keccak256 digest, Path file) {
        LoadedModel model = engine.load(digest, faults.modelFile(digest, file, engine));
        return new LoadedModel() {
            @Override
            public Keccak256 digest() {
                return model.digest();
            }

            @Override
            public ModelSchema schema() {
                return model.schema();
            }

            @Override
            public Inference run(List<Tensor> inputs, RunStop stop) {
                Inference honest = model.run(inputs, stop);
                faults.delay();
                return new Inference(faults.falsify(honest.outputs()), honest.traceRoot());
            }
        };
    }

    @Override
    public void unload(Keccak256 digest) {
        engine.unload(digest);
    }

    @Override
    public void close() {
        engine.close();
    }
}
