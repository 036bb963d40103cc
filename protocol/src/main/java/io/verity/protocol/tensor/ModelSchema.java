package io.verity.protocol.tensor;

import java.util.List;
import java.util.Optional;

/** The declared inputs and outputs of a model, read from its graph. */
public record ModelSchema(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    public ModelSchema {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
