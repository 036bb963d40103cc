package io.verity.protocol.tensor;

import java.util.List;
import java.util.Objects;

/**
 * A model input or output as its graph declares it: dims are fixed sizes or named/unnamed dynamic ones.
 */
public record TensorSpec(String name, DType dtype, List<Dim> dims) {
    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        dims = List.copyOf(dims);
    }

    public int rank() {
        return dims.size();
    }

    /** One dimension: a fixed size, or dynamic (optionally named, e.g. "batch"). */
    public sealed interface Dim {
        record Fixed(long size) implements Dim {
            public Fixed {
                if (size < 0) throw new IllegalArgumentException("dim size must be >= 0, got " + size);
            }
        }

        /** @param name the symbolic name from the graph, or "" when the graph gives none */
        record Dynamic(String name) implements Dim {
            public Dynamic {
                Objects.requireNonNull(name, "name");
            }
        }

        static Dim fixed(long size) {
            return new Fixed(size);
        }

        static Dim dynamic(String name) {
            return new Dynamic(name == null ? "" : name);
        }
    }
}
