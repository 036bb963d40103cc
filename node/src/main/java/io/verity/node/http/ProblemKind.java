package io.verity.node.http;

import io.verity.protocol.json.FieldError;
import io.verity.protocol.wire.FailureSource;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import java.util.List;

/**
 * The problems the node reports, as {@link Problem}s of type {@code urn:verity:problem:<slug>}; the slug is
 * stable for clients to switch on. Every one carries its {@link FailureSource}: UNKNOWN_MODEL and NOT_FOUND are
 * the node's, as another node may serve the model.
 */
public enum ProblemKind {
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

    public final String slug;
    public final String title;
    public final int status;
    public final FailureSource source;

    ProblemKind(String slug, String title, int status, FailureSource source) {
        this.slug = slug;
        this.title = title;
        this.status = status;
        this.source = source;
    }

    public Problem problem(String detail) {
        return Problem.of(slug, title, status, detail).withSource(source);
    }

    public Problem problem(String detail, List<FieldError> errors) {
        return problem(detail).withErrors(errors);
    }

    public ProblemException exception(String detail) {
        return new ProblemException(problem(detail));
    }

    public ProblemException exception(String detail, List<FieldError> errors) {
        return new ProblemException(problem(detail, errors));
    }
}
