package io.verity.gateway;

import java.util.List;

/** Thrown inside request handling to answer with a {@link Problem}. */
final class ProblemException extends RuntimeException {
    private final Problem problem;

    ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    ProblemException(Problem.Kind kind, String detail) {
        this(Problem.of(kind, detail));
    }

    ProblemException(Problem.Kind kind, String detail, List<Attempt> attempts) {
        this(Problem.of(kind, detail, List.of(), attempts));
    }

    Problem problem() {
        return problem;
    }
}
