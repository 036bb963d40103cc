package io.verity.protocol.wire;

import io.verity.protocol.json.FieldError;
import java.util.List;

/**
 * The one list of problems Verity servers answer (node, gateway, and the HTTP hardening they share), each a
 * {@link Problem} of type {@code urn:verity:problem:<slug>}: the slug is stable for clients to switch on, the
 * title is the same wherever the type occurs (RFC 9457). Every kind carries its {@link FailureSource}, so a
 * gateway fails over only where another node can succeed (UNKNOWN_MODEL and NOT_FOUND are the server's: another
 * may serve the model), and the OpenAI {@code error} type and code the OpenAI routes give it by default.
 */
public enum ProblemKind {
    MALFORMED_JSON("malformed-json", "Request body is not valid JSON", 400, FailureSource.REQUEST),
    /** The transport refused it: a bad chunk, a body cut short, a malformed request line. */
    MALFORMED_REQUEST("malformed-request", "The request could not be read", 400, FailureSource.REQUEST),
    INVALID_REQUEST("invalid-request", "Request does not match the API", 400, FailureSource.REQUEST),
    INVALID_INPUT("invalid-input", "Inputs do not match the model's schema", 422, FailureSource.REQUEST),
    /** The run took longer than the node allows and was stopped: its inputs made it so, on any node. */
    RUN_TOO_LONG("run-too-long", "The model ran longer than this node allows", 422, FailureSource.REQUEST),
    UNKNOWN_MODEL("unknown-model", "Unknown model", 404, FailureSource.NODE),
    NOT_FOUND("not-found", "Not found", 404, FailureSource.NODE),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", 405, FailureSource.REQUEST),
    REQUEST_TIMEOUT("request-timeout", "The request body arrived too slowly", 408, FailureSource.REQUEST),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", 415, FailureSource.REQUEST),
    BODY_TOO_LARGE("body-too-large", "Request body too large", 413, FailureSource.REQUEST),
    NO_CHAIN("no-chain", "This node does not settle on a chain", 409, FailureSource.NODE),
    VOUCHER_NOT_INCREASING("voucher-not-increasing", "Voucher does not exceed what the node holds", 409, FailureSource.PAYMENT),
    VOUCHER_BASE_STALE("voucher-base-stale", "The channel moved since the voucher's base was read", 409, FailureSource.PAYMENT),
    PAYMENT_REQUIRED("payment-required", "Payment required", 402, FailureSource.PAYMENT),
    INSUFFICIENT_DEPOSIT("insufficient-deposit", "Client's deposit does not cover what it owes", 402, FailureSource.PAYMENT),
    UNAUTHORIZED("unauthorized", "Missing or wrong API key", 401, FailureSource.REQUEST),
    RATE_LIMITED("rate-limited", "Too many requests", 429, FailureSource.NODE),
    UPSTREAM_FAILED("upstream-failed", "The upstream provider failed", 502, FailureSource.UPSTREAM),
    UPSTREAM_TIMEOUT("upstream-timeout", "The upstream provider did not answer in time", 504, FailureSource.UPSTREAM),
    /** A gateway's: every node it asked failed (the {@code attempts} member lists the calls). */
    NO_VALID_ANSWER("no-valid-answer", "No node produced a valid answer", 502, FailureSource.NODE),
    /** A gateway's: the nodes disagreed and no answer had a quorum. */
    NO_MAJORITY("no-majority", "Nodes disagreed and no majority was reached", 502, FailureSource.NODE),
    NOT_ENOUGH_NODES("not-enough-nodes", "Too few nodes of distinct operators for this policy", 503, FailureSource.NODE),
    NO_ATTESTED_NODE("no-attested-node", "No node passes the TEE policy", 503, FailureSource.NODE),
    UNAVAILABLE("unavailable", "Node cannot serve this now", 503, FailureSource.NODE),
    INTERNAL("internal", "Internal error", 500, FailureSource.NODE);

    public final String slug;
    public final String title;
    public final int status;
    public final FailureSource source;
    /** OpenAI's error {@code type}: {@code insufficient_quota} (402), {@code rate_limit_error} (429), else by class. */
    public final String openAiType;
    /** OpenAI's error {@code code}: the slug in OpenAI's spelling, and OpenAI's own for an unknown model. */
    public final String openAiCode;

    ProblemKind(String slug, String title, int status, FailureSource source) {
        this.slug = slug;
        this.title = title;
        this.status = status;
        this.source = source;
        this.openAiType = switch (status) {
            case 402 -> "insufficient_quota";
            case 429 -> "rate_limit_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
        this.openAiCode = slug.equals("unknown-model") ? "model_not_found" : slug.replace('-', '_');
    }

    /** {@code urn:verity:problem:<slug>}. */
    public String type() {
        return Problem.TYPE_PREFIX + slug;
    }

    /** This kind's problem with its source, for one occurrence ({@code detail}, null for none). */
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

    /** OpenAI's error object for this kind: its default type and code, this message and offending param (or null). */
    public Problem.OpenAiError openAiError(String message, String param) {
        return new Problem.OpenAiError(message, openAiType, param, openAiCode);
    }
}
