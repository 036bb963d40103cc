package io.verity.node;

import java.time.Duration;
import java.util.Objects;

/**
 * Test-only misbehaviour, for fault tests of gateways and verifiers: a node with faults is dishonest or slow
 * on purpose. Default {@link #NONE}. The node logs a WARN at start when any is on.
 *
 * @param perturb probability in [0, 1] that an answer is falsified: small random noise is added to every
 *     floating-point output <em>before</em> it is digested and signed, so the node signs its wrong answer and
 *     two answers to the same request differ
 * @param addedLatency slept before each {@code /v1/infer} answer leaves; zero for none
 */
public record Faults(double perturb, Duration addedLatency) {
    public static final Faults NONE = new Faults(0, Duration.ZERO);

    public Faults {
        Objects.requireNonNull(addedLatency, "addedLatency");
        if (!(perturb >= 0 && perturb <= 1)) { // also refuses NaN
            throw new IllegalArgumentException("perturb must be a probability in [0, 1], got " + perturb);
        }
        if (addedLatency.isNegative()) {
            throw new IllegalArgumentException("addedLatency must be >= 0, got " + addedLatency);
        }
    }

    /** Whether any fault is on. */
    public boolean any() {
        return perturb > 0 || !addedLatency.isZero();
    }

    public Faults withPerturb(double p) {
        return new Faults(p, addedLatency);
    }

    public Faults withAddedLatency(Duration d) {
        return new Faults(perturb, d);
    }
}
