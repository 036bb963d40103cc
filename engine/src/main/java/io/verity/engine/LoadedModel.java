package io.verity.engine;

import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.Tensor;
import java.util.List;

/** A model ready to run on one engine. */
public interface LoadedModel {
    Keccak256 digest();

    /** Inputs and outputs as the graph declares them. */
    ModelSchema schema();

    /**
     * Runs the model on inputs that the caller has already validated against {@link #schema()}.
     *
     * @return every declared output, in schema order
     * @throws EngineException of kind INVALID_INPUT when the engine rejects the inputs, FAILURE otherwise
     */
    default Inference run(List<Tensor> inputs) {
        return run(inputs, RunStop.NEVER);
    }

    /**
     * {@link #run(List)}, ended early when {@code stop} is thrown from another thread.
     *
     * @throws EngineException of kind STOPPED when it was, INVALID_INPUT when the engine rejects the inputs,
     *     FAILURE otherwise
     */
    Inference run(List<Tensor> inputs, RunStop stop);
}
