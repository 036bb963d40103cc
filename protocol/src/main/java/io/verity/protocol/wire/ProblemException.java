package io.verity.protocol.wire;

import java.util.Objects;

/**
 * Thrown inside request handling to answer with a {@link Problem}; each server maps it to its response in one
 * place. Not a bug, so no stack trace is filled. Not final: a layer may narrow it to catch only its own.
 */
public class ProblemException extends RuntimeException {
    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(Objects.requireNonNull(problem, "problem").detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
