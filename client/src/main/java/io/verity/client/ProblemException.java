package io.verity.client;

import io.verity.protocol.json.FieldError;
import io.verity.protocol.wire.Problem;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The node or gateway refused the request with an RFC 9457 problem document (4xx for a request it cannot serve,
 * 5xx for its own failure, e.g. a gateway's 502 when no node produced a valid answer), as {@link #problem()}.
 * {@link #errors()} names every bad request field by JSON Pointer. A non-JSON error body becomes a problem whose
 * title is the status line and whose detail is the start of the body.
 */
public final class ProblemException extends InferenceException {
    private final transient Problem problem;

    ProblemException(Problem problem) {
        super(message(problem), null);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The whole document as the server sent it (members it left out are null or empty). */
    public Problem problem() {
        return problem;
    }

    /** The HTTP status, 400..599. */
    public int status() {
        return problem.status();
    }

    /** The problem type URI, e.g. {@code urn:verity:problem:invalid-request}; {@code about:blank} when absent. */
    public String type() {
        return problem.type();
    }

    public String title() {
        return problem.title();
    }

    /** The occurrence's detail, "" when absent. */
    public String detail() {
        return Objects.requireNonNullElse(problem.detail(), "");
    }

    /** One entry per rejected field, each with its JSON Pointer into the request body; empty when none. */
    public List<FieldError> errors() {
        return problem.errors();
    }

    private static String message(Problem p) {
        StringBuilder sb = new StringBuilder("server answered ").append(p.status());
        if (!p.title().isEmpty()) sb.append(' ').append(p.title());
        if (p.detail() != null && !p.detail().isEmpty()) sb.append(": ").append(p.detail());
        if (!p.errors().isEmpty()) sb.append(p.errors().stream().map(FieldError::toString).collect(Collectors.joining("; ", " [", "]")));
        return sb.toString();
    }
}
