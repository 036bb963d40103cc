package io.verity.node.serve;

import io.verity.protocol.json.FieldError;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks well-formed tensors against a model's declared inputs before anything runs, so every client
 * mistake becomes a 4xx naming the field rather than an engine error. Pointers index the request's
 * {@code inputs} array in the order the client sent it.
 */
final class InputValidator {
    private InputValidator() {}

    /**
     * @param allowNonFinite whether NaN and infinities may appear in float inputs (off by default: no model
     *     we serve expects them, and a NaN usually means a broken client)
     * @return every problem found, empty when the inputs fit the schema
     */
    static List<FieldError> validate(ModelSchema schema, List<Tensor> inputs, boolean allowNonFinite) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        // Symbolic dims (e.g. "batch") must agree across inputs, or the engine would fail mid-graph.
        Map<String, Long> symbols = new HashMap<>();
        Map<String, String> symbolOwner = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            String at = "/inputs/" + i;
            Integer dup = seen.putIfAbsent(t.name(), i);
            if (dup != null) {
                errors.add(new FieldError(at + "/name",
                        "duplicate input '" + t.name() + "' (also at /inputs/" + dup + ")"));
                continue;
            }
            var spec = schema.input(t.name());
            if (spec.isEmpty()) {
                errors.add(new FieldError(at + "/name", "unknown input '" + t.name()
                        + "', the model takes " + names(schema.inputs())));
                continue;
            }
            checkOne(spec.get(), t, at, allowNonFinite, symbols, symbolOwner, errors);
        }
        Set<String> given = new HashSet<>(seen.keySet());
        for (TensorSpec s : schema.inputs()) {
            if (!given.contains(s.name())) {
                errors.add(new FieldError("/inputs", "missing input '" + s.name() + "' ("
                        + s.dtype().wireName() + " " + describe(s) + ")"));
            }
        }
        return errors;
    }

    private static void checkOne(TensorSpec spec, Tensor t, String at, boolean allowNonFinite,
            Map<String, Long> symbols, Map<String, String> symbolOwner, List<FieldError> errors) {
        if (t.dtype() != spec.dtype()) {
            errors.add(new FieldError(at + "/dtype", "input '" + t.name() + "' must be "
                    + spec.dtype().wireName() + ", got " + t.dtype().wireName()));
            return;
        }
        if (t.shape().rank() != spec.rank()) {
            errors.add(new FieldError(at + "/shape", "input '" + t.name() + "' must have rank "
                    + spec.rank() + " " + describe(spec) + ", got " + t.shape().rank() + " " + t.shape()));
            return;
        }
        for (int d = 0; d < spec.rank(); d++) {
            long got = t.shape().dim(d);
            switch (spec.dims().get(d)) {
                case TensorSpec.Dim.Fixed f -> {
                    if (f.size() != got) {
                        errors.add(new FieldError(at + "/shape/" + d, "input '" + t.name() + "' dim " + d
                                + " must be " + f.size() + " " + describe(spec) + ", got " + got));
                    }
                }
                case TensorSpec.Dim.Dynamic dyn -> {
                    if (dyn.name().isEmpty()) break;
                    Long bound = symbols.putIfAbsent(dyn.name(), got);
                    if (bound == null) {
                        symbolOwner.put(dyn.name(), t.name());
                    } else if (bound != got) {
                        errors.add(new FieldError(at + "/shape/" + d, "input '" + t.name() + "' dim " + d
                                + " ('" + dyn.name() + "') must equal " + bound + " as in input '"
                                + symbolOwner.get(dyn.name()) + "', got " + got));
                    }
                }
            }
        }
        if (!allowNonFinite && t.dtype().isFloatingPoint()) {
            long bad = firstNonFinite(t);
            if (bad >= 0) {
                errors.add(new FieldError(at + "/data/" + bad, "input '" + t.name()
                        + "' must hold finite numbers, element " + bad + " is NaN or infinite"));
            }
        }
    }

    /** Index of the first NaN or infinity, or -1. */
    static long firstNonFinite(Tensor t) {
        ByteBuffer b = t.data();
        switch (t.dtype()) {
            case FLOAT32 -> {
                var f = b.asFloatBuffer();
                for (int i = 0; i < f.limit(); i++) if (!Float.isFinite(f.get(i))) return i;
            }
            case FLOAT64 -> {
                var f = b.asDoubleBuffer();
                for (int i = 0; i < f.limit(); i++) if (!Double.isFinite(f.get(i))) return i;
            }
            case FLOAT16 -> {
                var s = b.asShortBuffer();
                for (int i = 0; i < s.limit(); i++) if ((s.get(i) & 0x7c00) == 0x7c00) return i; // exponent all ones
            }
            default -> {}
        }
        return -1;
    }

    static String describe(TensorSpec s) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.rank(); i++) {
            if (i > 0) sb.append(", ");
            switch (s.dims().get(i)) {
                case TensorSpec.Dim.Fixed f -> sb.append(f.size());
                case TensorSpec.Dim.Dynamic d -> sb.append(d.name().isEmpty() ? "?" : d.name());
            }
        }
        return sb.append(']').toString();
    }

    private static String names(List<TensorSpec> specs) {
        return specs.stream().map(TensorSpec::name).toList().toString();
    }

}
