package io.verity.protocol.json;

import java.util.List;
import java.util.stream.Collectors;

/**
 * JSON that does not match the wire format: every problem found, each with the JSON Pointer of the field.
 * A reader reports as many independent problems as it can in one pass (up to a cap), so a client can fix them
 * all at once; the HTTP layer maps this to RFC 9457 problem+json with one {@code errors} entry per
 * {@link FieldError}.
 */
public final class InvalidFieldException extends IllegalArgumentException {
    private final transient List<FieldError> errors;

    public InvalidFieldException(List<FieldError> errors) {
        super(message(errors));
        if (errors.isEmpty()) throw new IllegalArgumentException("an InvalidFieldException needs at least one error");
        this.errors = List.copyOf(errors);
    }

    public InvalidFieldException(String pointer, String detail) {
        this(List.of(new FieldError(pointer, detail)));
    }

    /** The problems, in document order; never empty. */
    public List<FieldError> errors() {
        return errors;
    }

    private static String message(List<FieldError> errors) {
        return errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
    }
}
