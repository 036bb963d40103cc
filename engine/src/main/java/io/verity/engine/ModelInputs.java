package io.verity.engine;

import io.verity.engine.EngineException.Kind;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec;
import io.verity.protocol.tensor.TensorSpec.Dim;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one check of a run's inputs against a model's declared schema, for every engine: each declared input given
 * once, no other, with the declared dtype, rank and fixed dimensions (dynamic ones take any size). An engine
 * would reject most of these anyway, but with a vaguer message or, for a wrong fixed dimension deep in a graph,
 * an error that cannot be told apart from an engine fault.
 */
public final class ModelInputs {
    private ModelInputs() {}

    /**
     * {@code inputs} in the schema's order.
     *
     * @param label what the messages start with (the model's name), or "" for none
     * @throws EngineException INVALID_INPUT naming the input, what the schema declares and what it got
     */
    public static List<Tensor> inSchemaOrder(ModelSchema schema, List<Tensor> inputs, String label) {
        String at = label.isEmpty() ? "" : label + ": ";
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor t : inputs) {
            if (byName.put(t.name(), t) != null) throw invalid(at + "input '" + t.name() + "' is given twice");
        }
        List<Tensor> ordered = new ArrayList<>(schema.inputs().size());
        for (TensorSpec spec : schema.inputs()) {
            Tensor t = byName.remove(spec.name());
            if (t == null) throw invalid(at + "input '" + spec.name() + "' is missing, expected " + describe(spec));
            if (t.dtype() != spec.dtype()) {
                throw invalid(at + "input '" + spec.name() + "' must be " + spec.dtype().wireName() + ", got " + t.dtype().wireName());
            }
            // An input declared without a shape takes any rank (some exporters omit it; ORT reports it as rank 0).
            if (spec.rank() != 0 && t.shape().rank() != spec.rank()) {
                throw invalid(at + "input '" + spec.name() + "' must have rank " + spec.rank() + " " + describe(spec)
                        + ", got shape " + t.shape());
            }
            for (int i = 0; i < spec.rank(); i++) {
                if (spec.dims().get(i) instanceof Dim.Fixed f && f.size() != t.shape().dim(i)) {
                    throw invalid(at + "input '" + spec.name() + "' dim " + i + " must be " + f.size() + " " + describe(spec)
                            + ", got shape " + t.shape());
                }
            }
            ordered.add(t);
        }
        if (!byName.isEmpty()) {
            throw invalid(at + "unexpected input(s) " + byName.keySet().stream().sorted().toList() + ", the model takes "
                    + schema.inputs().stream().map(TensorSpec::name).toList());
        }
        return ordered;
    }

    /** {@code float32[1, ?, 128]}: the dtype and dims, a dynamic one by its name or {@code ?}. */
    private static String describe(TensorSpec spec) {
        StringBuilder s = new StringBuilder(spec.dtype().wireName()).append('[');
        for (int i = 0; i < spec.rank(); i++) {
            if (i > 0) s.append(", ");
            // no pattern switch: the engine keeps to Java 17 (CrossJvmDeterminismIT compiles it with --release 17)
            Dim dim = spec.dims().get(i);
            if (dim instanceof Dim.Fixed f) s.append(f.size());
            else if (dim instanceof Dim.Dynamic d) s.append(d.name().isEmpty() ? "?" : d.name());
        }
        return s.append(']').toString();
    }

    private static EngineException invalid(String what) {
        return new EngineException(Kind.INVALID_INPUT, what);
    }
}
