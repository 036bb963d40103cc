package io.verity.chain;

import io.verity.protocol.Keccak256;
import java.util.List;
import java.util.Objects;

/**
 * An opening of entry {@code index} of a verity-det/1 execution trace against the receipt's traceRoot, in
 * the layout DisputeGame checks (the engine's TraceProof, without the engine dependency):
 * chain(index) = keccak256(previous ‖ digest) is a leaf of the trace tree.
 *
 * @param previous chain(index - 1), zero for index 0
 * @param digest   the tensor digest of entry {@code index}
 * @param siblings Merkle siblings from the leaf level up
 */
public record TraceReveal(long index, long leafCount, Keccak256 previous, Keccak256 digest, List<Keccak256> siblings) {
    public TraceReveal {
        if (leafCount < 1) throw new IllegalArgumentException("leafCount must be >= 1, got " + leafCount);
        if (index < 0 || index >= leafCount) {
            throw new IllegalArgumentException("index must be in [0, " + (leafCount - 1) + "], got " + index);
        }
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(digest, "digest");
        siblings = List.copyOf(siblings);
    }

    /** chain(index), the value the two parties compare in a bisection step. */
    public Keccak256 chain() {
        return Keccak256.hash(previous.toArray(), digest.toArray());
    }
}
