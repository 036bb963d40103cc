package io.verity.node;

import java.util.List;

/** Thrown inside request handling to answer with a {@link Problem}; one mapper turns it into the response. */
final class ProblemException extends RuntimeException {
    private final Problem problem;

    ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    ProblemException(Problem.Kind kind, String detail) {
        this(Problem.of(kind, detail));
    }

    ProblemException(Problem.Kind kind, String detail, List<Problem.FieldError> errors) {
        this(Problem.of(kind, detail, errors));
    }

    Problem problem() {
        return problem;
    }
}
