package io.verity.gateway.problem;

import io.verity.gateway.routing.Attempt;
import java.util.List;
import java.util.Objects;

/**
 * An RFC 9457 problem document as the gateway answers it. Same shape and slugs as a node's, so one client
 * handles both; {@code attempts} lists the node calls behind a 502.
 */
public record Problem(String type, String title, int status, String detail, List<FieldError> errors, List<Attempt> attempts) {
    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        errors = List.copyOf(errors);
        attempts = List.copyOf(attempts);
    }

    public record FieldError(String pointer, String detail) {}

    public static Problem of(Kind kind, String detail) {
        return of(kind, detail, List.of(), List.of());
    }

    public static Problem of(Kind kind, String detail, List<FieldError> errors, List<Attempt> attempts) {
        return new Problem("urn:verity:problem:" + kind.slug, kind.title, kind.status, detail, errors, attempts);
    }

    public enum Kind {
        MALFORMED_JSON("malformed-json", "Request body is not valid JSON", 400),
        INVALID_REQUEST("invalid-request", "Request does not match the API", 400),
        UNKNOWN_MODEL("unknown-model", "No node serves this model", 404),
        NOT_FOUND("not-found", "Not found", 404),
        METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", 405),
        UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", 415),
        BODY_TOO_LARGE("body-too-large", "Request body too large", 413),
        NO_VALID_ANSWER("no-valid-answer", "No node produced a valid answer", 502),
        NO_MAJORITY("no-majority", "Nodes disagreed and no majority was reached", 502),
        NOT_ENOUGH_NODES("not-enough-nodes", "Too few nodes of distinct operators for this policy", 503),
        NO_ATTESTED_NODE("no-attested-node", "No node passes the TEE policy", 503),
        INTERNAL("internal", "Internal error", 500);

        public final String slug;
        final String title;
        final int status;

        Kind(String slug, String title, int status) {
            this.slug = slug;
            this.title = title;
            this.status = status;
        }
    }
}
