package io.verity.gateway.problem;

import io.verity.gateway.routing.Attempt;
import java.util.List;

/** Thrown inside request handling to answer with a {@link Problem}. */
public final class ProblemException extends RuntimeException {
    private final Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public ProblemException(Problem.Kind kind, String detail) {
        this(Problem.of(kind, detail));
    }

    public ProblemException(Problem.Kind kind, String detail, List<Attempt> attempts) {
        this(Problem.of(kind, detail, List.of(), attempts));
    }

    public Problem problem() {
        return problem;
    }
}
