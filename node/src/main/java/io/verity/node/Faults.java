package io.verity.node;

import java.time.Duration;
import java.util.Objects;

/**
 * Test-only misbehaviour, for fault tests of gateways and verifiers: a node with faults is dishonest or slow
 * on purpose. Default {@link #NONE}. The node logs a WARN at start when any is on.
 *
 * @param perturb probability in [0, 1] that an answer is falsified: small random noise is added to every
 *     floating-point output <em>before</em> it is digested and signed, so the node signs its wrong answer and
 *     two answers to the same request differ; a language model's answer is sampled at temperature 1 with a
 *     fresh seed instead of the request's settings, and signed as if it followed them
 * @param addedLatency slept before each {@code /v1/infer} answer leaves, and before a language model starts on a
 *     request (a stream then shows no token for that long); zero for none
 * @param tamperWeight with the deterministic engine: the node computes with one weight of each model nudged by
 *     2^-10 (a copy of the file, see {@link ModelTamper}) but signs the real model's digest, and serves its
 *     traces from that copy: a consistent liar that a dispute bisects to the one operator whose output changed
 */
public record Faults(double perturb, Duration addedLatency, boolean tamperWeight) {
    public static final Faults NONE = new Faults(0, Duration.ZERO, false);

    public Faults {
        Objects.requireNonNull(addedLatency, "addedLatency");
        if (!(perturb >= 0 && perturb <= 1)) { // also refuses NaN
            throw new IllegalArgumentException("perturb must be a probability in [0, 1], got " + perturb);
        }
        if (addedLatency.isNegative()) {
            throw new IllegalArgumentException("addedLatency must be >= 0, got " + addedLatency);
        }
    }

    public Faults(double perturb, Duration addedLatency) {
        this(perturb, addedLatency, false);
    }

    /** Whether any fault is on. */
    public boolean any() {
        return perturb > 0 || !addedLatency.isZero() || tamperWeight;
    }

    public Faults withPerturb(double p) {
        return new Faults(p, addedLatency, tamperWeight);
    }

    public Faults withAddedLatency(Duration d) {
        return new Faults(perturb, d, tamperWeight);
    }

    public Faults withTamperWeight(boolean on) {
        return new Faults(perturb, addedLatency, on);
    }
}
