package io.verity.engine.det;

import io.verity.protocol.Keccak256;
import java.util.Objects;

/**
 * One committed intermediate: the graph inputs come first (schema order, {@code node} = -1), then every
 * output of every node in execution order ({@code node} = its index in {@link DeterministicModel#nodeCount()}),
 * and last the outputs entry ({@code node} = {@value #OUTPUTS_NODE}, name {@value #OUTPUTS_NAME}): the
 * tensorsDigest of the graph outputs, which is exactly an honest receipt's {@code outputsDigest}, so a
 * receipt whose outputsDigest differs from its own trace's last entry contradicts itself.
 */
public record TraceEntry(int index, String name, int node, Keccak256 digest) {
    /** {@code node} of the last entry: a pseudo-operator reading the graph outputs. */
    public static final int OUTPUTS_NODE = -2;
    /** {@code name} of the last entry. */
    public static final String OUTPUTS_NAME = "verity:outputs";

    public TraceEntry {
        if (index < 0) throw new IllegalArgumentException("index must be >= 0, got " + index);
        if (node < OUTPUTS_NODE) throw new IllegalArgumentException("node must be >= " + OUTPUTS_NODE + ", got " + node);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(digest, "digest");
    }

    /** Whether this is the trace's last entry, the digest of the graph outputs. */
    public boolean isOutputs() {
        return node == OUTPUTS_NODE;
    }
}
