package io.verity.engine.det;

import io.verity.protocol.Keccak256;
import java.util.Objects;

/**
 * One committed intermediate: the graph inputs come first (schema order, {@code node} = -1), then every
 * output of every node in execution order ({@code node} = its index in {@link DeterministicModel#nodeCount()}).
 */
public record TraceEntry(int index, String name, int node, Keccak256 digest) {
    public TraceEntry {
        if (index < 0) throw new IllegalArgumentException("index must be >= 0, got " + index);
        if (node < -1) throw new IllegalArgumentException("node must be >= -1, got " + node);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(digest, "digest");
    }
}
