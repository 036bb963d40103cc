package io.verity.attestation.internal;

import io.verity.attestation.Step;

/** A check failed: carries the step and a reason naming the field, the expected and the actual value. */
public final class Failure extends RuntimeException {
    private final Step step;

    public Failure(Step step, String reason) {
        super(reason, null, false, false);
        this.step = step;
    }

    public Step step() {
        return step;
    }
}
