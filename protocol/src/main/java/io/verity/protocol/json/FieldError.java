package io.verity.protocol.json;

import java.util.Objects;

/**
 * One rejected field: its JSON Pointer (RFC 6901, e.g. {@code /inputs/0/shape/1}) and what was expected and
 * what arrived, e.g. {@code must be an integer >= 0, got -3}.
 */
public record FieldError(String pointer, String detail) {
    public FieldError {
        Objects.requireNonNull(pointer, "pointer");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return (pointer.isEmpty() ? "(root)" : pointer) + ": " + detail;
    }
}
