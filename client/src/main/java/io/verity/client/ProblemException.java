package io.verity.client;

import io.verity.protocol.json.FieldError;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The node or gateway refused the request with an RFC 9457 problem document (4xx for a request it cannot serve,
 * 5xx for its own failure, e.g. a gateway's 502 when no node produced a valid answer). {@link #errors()} names
 * every bad request field by JSON Pointer. A non-JSON error body becomes a problem whose title is the status
 * line and whose detail is the start of the body.
 */
public final class ProblemException extends InferenceException {
    private final int status;
    private final String type;
    private final String title;
    private final String detail;
    private final transient List<FieldError> errors;

    ProblemException(int status, String type, String title, String detail, List<FieldError> errors) {
        super(message(status, title, detail, errors), null);
        this.status = status;
        this.type = Objects.requireNonNullElse(type, "about:blank");
        this.title = Objects.requireNonNullElse(title, "");
        this.detail = Objects.requireNonNullElse(detail, "");
        this.errors = List.copyOf(errors);
    }

    /** The HTTP status, 400..599. */
    public int status() {
        return status;
    }

    /** The problem type URI, e.g. {@code urn:verity:problem:invalid-request}; {@code about:blank} when absent. */
    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    /** The occurrence's detail, "" when absent. */
    public String detail() {
        return detail;
    }

    /** One entry per rejected field, each with its JSON Pointer into the request body; empty when none. */
    public List<FieldError> errors() {
        return errors;
    }

    private static String message(int status, String title, String detail, List<FieldError> errors) {
        StringBuilder sb = new StringBuilder("server answered ").append(status);
        if (title != null && !title.isEmpty()) sb.append(' ').append(title);
        if (detail != null && !detail.isEmpty()) sb.append(": ").append(detail);
        if (!errors.isEmpty()) sb.append(errors.stream().map(FieldError::toString).collect(Collectors.joining("; ", " [", "]")));
        return sb.toString();
    }
}
