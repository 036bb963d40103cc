package io.verity.node;

import io.verity.protocol.wire.FailureSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An RFC 9457 problem document ({@code application/problem+json}). Client mistakes carry one
 * {@link FieldError} per bad field, with a JSON pointer into the request body. {@code extensions} are RFC 9457
 * extension members, e.g. {@code "held": "5000"} on a voucher that does not exceed what the node holds. Every
 * problem the node sends carries {@code source} and {@code retryable} ({@link FailureSource}): the kind's source,
 * or one set with {@code with(FailureSource.MEMBER, ...)}, else the one its status implies.
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
        return new Problem("urn:verity:problem:" + kind.slug, kind.title, kind.status, detail, errors,
                Map.of(FailureSource.MEMBER, kind.source.wireName()));
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
        MALFORMED_JSON("malformed-json", "Request body is not valid JSON", 400, FailureSource.REQUEST),
        INVALID_REQUEST("invalid-request", "Request does not match the API", 400, FailureSource.REQUEST),
        INVALID_INPUT("invalid-input", "Inputs do not match the model's schema", 422, FailureSource.REQUEST),
        UNKNOWN_MODEL("unknown-model", "No such model on this node", 404, FailureSource.NODE),
        NOT_FOUND("not-found", "Not found", 404, FailureSource.NODE),
        METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", 405, FailureSource.REQUEST),
        UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", 415, FailureSource.REQUEST),
        BODY_TOO_LARGE("body-too-large", "Request body too large", 413, FailureSource.REQUEST),
        NO_CHAIN("no-chain", "This node does not settle on a chain", 409, FailureSource.NODE),
        VOUCHER_NOT_INCREASING("voucher-not-increasing", "Voucher does not exceed what the node holds", 409, FailureSource.PAYMENT),
        VOUCHER_BASE_STALE("voucher-base-stale", "The channel moved since the voucher's base was read", 409, FailureSource.PAYMENT),
        PAYMENT_REQUIRED("payment-required", "Payment required", 402, FailureSource.PAYMENT),
        INSUFFICIENT_DEPOSIT("insufficient-deposit", "Client's deposit does not cover the voucher", 402, FailureSource.PAYMENT),
        UNAUTHORIZED("unauthorized", "Missing or wrong API key", 401, FailureSource.REQUEST),
        RATE_LIMITED("rate-limited", "Too many requests", 429, FailureSource.NODE),
        UPSTREAM_FAILED("upstream-failed", "The upstream provider failed", 502, FailureSource.UPSTREAM),
        UPSTREAM_TIMEOUT("upstream-timeout", "The upstream provider did not answer in time", 504, FailureSource.UPSTREAM),
        UNAVAILABLE("unavailable", "Node cannot serve this now", 503, FailureSource.NODE),
        INTERNAL("internal", "Internal error", 500, FailureSource.NODE);

        final String slug;
        final String title;
        final int status;
        /** Who caused it; UNKNOWN_MODEL and NOT_FOUND are the node's: another node may serve the model. */
        final FailureSource source;

        Kind(String slug, String title, int status, FailureSource source) {
            this.slug = slug;
            this.title = title;
            this.status = status;
            this.source = source;
        }
    }
}
