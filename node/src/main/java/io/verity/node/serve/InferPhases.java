package io.verity.node.serve;

import java.util.concurrent.atomic.LongAdder;

/**
 * Where {@code POST /v1/infer}'s time goes, phase by phase: a count and the total nanoseconds per phase, cheap
 * enough (a {@code nanoTime} and two {@link LongAdder}s per phase) to stay on in production. {@code /metrics}
 * shows them as {@code verity_node_infer_phase_seconds{phase}}; the load run reads them to attribute the time
 * the node adds to an inference.
 */
public final class InferPhases {
    /** The phases in request order; the receipt log's three ({@code LOG_*}) together are one append. */
    public enum Phase {
        /** Reading the body and parsing it as JSON (StrictJson), in the handler. */
        READ_JSON,
        /** The JSON tree to the typed request, tensors decoded from b64. */
        PARSE_REQUEST,
        /** The model reference to a manifest and a loaded session. */
        RESOLVE,
        VALIDATE,
        /** The engine's run, tensors to and from the runtime included. */
        RUN,
        /** keccak256 digests of the inputs and the outputs. */
        DIGEST,
        /** EIP-712 hash and secp256k1 signature of the receipt. */
        SIGN,
        /** The receipt JSON the log stores. */
        RECEIPT_JSON,
        /** From the append until the log's writer thread took the record (the hand-off). */
        LOG_QUEUE,
        /** The writer's write and fsync of the batch holding the record. */
        LOG_SYNC,
        /** From the fsync's end until the appending thread runs again (the wake-up). */
        LOG_WAKE,
        /** Writing the answer JSON (outputs b64 and the receipt). */
        ENCODE;

        /** The label value on /metrics. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final LongAdder[] counts = new LongAdder[Phase.values().length];
    private final LongAdder[] nanos = new LongAdder[Phase.values().length];

    public InferPhases() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
            nanos[i] = new LongAdder();
        }
    }

    /** Records one pass through {@code phase} that began at {@code startNanos}; returns now, the next phase's start. */
    public long since(Phase phase, long startNanos) {
        long now = System.nanoTime();
        add(phase, now - startNanos);
        return now;
    }

    public void add(Phase phase, long elapsedNanos) {
        counts[phase.ordinal()].increment();
        nanos[phase.ordinal()].add(elapsedNanos);
    }

    public long count(Phase phase) {
        return counts[phase.ordinal()].sum();
    }

    public long totalNanos(Phase phase) {
        return nanos[phase.ordinal()].sum();
    }
}
