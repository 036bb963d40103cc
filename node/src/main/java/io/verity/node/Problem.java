package io.verity.node;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An RFC 9457 problem document ({@code application/problem+json}). Client mistakes carry one
 * {@link FieldError} per bad field, with a JSON pointer into the request body. {@code extensions} are RFC 9457
 * extension members, e.g. {@code "held": "5000"} on a voucher that does not exceed what the node holds.
 */
public record Problem(String type, String title, int status, String detail, List<FieldError> errors,
        Map<String, String> extensions) {
    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        errors = errors == null ? List.of() : List.copyOf(errors);
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    public Problem(String type, String title, int status, String detail, List<FieldError> errors) {
        this(type, title, status, detail, errors, Map.of());
    }

    /** @param pointer RFC 6901 JSON pointer into the request, e.g. {@code /inputs/0/shape/1} */
    public record FieldError(String pointer, String detail) {}

    static Problem of(Kind kind, String detail, List<FieldError> errors) {
        return new Problem("urn:verity:problem:" + kind.slug, kind.title, kind.status, detail, errors);
    }

    static Problem of(Kind kind, String detail) {
        return of(kind, detail, List.of());
    }

    /** This problem with one more extension member. */
    Problem with(String member, String value) {
        var m = new java.util.LinkedHashMap<>(extensions);
        m.put(member, value);
        return new Problem(type, title, status, detail, errors, m);
    }

    /** The problems the node reports; the slug is stable for clients to switch on. */
    enum Kind {
        MALFORMED_JSON("malformed-json", "Request body is not valid JSON", 400),
        INVALID_REQUEST("invalid-request", "Request does not match the API", 400),
        INVALID_INPUT("invalid-input", "Inputs do not match the model's schema", 422),
        UNKNOWN_MODEL("unknown-model", "No such model on this node", 404),
        NOT_FOUND("not-found", "Not found", 404),
        METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", 405),
        UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", 415),
        BODY_TOO_LARGE("body-too-large", "Request body too large", 413),
        NO_CHAIN("no-chain", "This node does not settle on a chain", 409),
        VOUCHER_NOT_INCREASING("voucher-not-increasing", "Voucher does not exceed what the node holds", 409),
        VOUCHER_BASE_STALE("voucher-base-stale", "The channel moved since the voucher's base was read", 409),
        PAYMENT_REQUIRED("payment-required", "Payment required", 402),
        INSUFFICIENT_DEPOSIT("insufficient-deposit", "Client's deposit does not cover the voucher", 402),
        UNAUTHORIZED("unauthorized", "Missing or wrong API key", 401),
        RATE_LIMITED("rate-limited", "Too many requests", 429),
        UPSTREAM_FAILED("upstream-failed", "The upstream provider failed", 502),
        UPSTREAM_TIMEOUT("upstream-timeout", "The upstream provider did not answer in time", 504),
        UNAVAILABLE("unavailable", "Node cannot serve this now", 503),
        INTERNAL("internal", "Internal error", 500);

        final String slug;
        final String title;
        final int status;

        Kind(String slug, String title, int status) {
            this.slug = slug;
            this.title = title;
            this.status = status;
        }
    }
}
