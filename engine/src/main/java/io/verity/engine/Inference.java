package io.verity.engine;

import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Tensor;
import java.util.List;
import java.util.Objects;

/**
 * The outputs of one run, and the Merkle root over the digests of every intermediate tensor when the engine
 * records an execution trace ({@link Keccak256#ZERO} when it does not).
 */
public record Inference(List<Tensor> outputs, Keccak256 traceRoot) {
    public Inference {
        outputs = List.copyOf(outputs);
        Objects.requireNonNull(traceRoot, "traceRoot");
    }

    public static Inference untraced(List<Tensor> outputs) {
        return new Inference(outputs, Keccak256.ZERO);
    }
}
