package io.verity.http;

import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.FieldErrors;
import io.verity.protocol.wire.FailureSource;
import io.verity.protocol.wire.Problem;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A request refused by the shared hardening; each server answers it as its own problem+json, with
 * {@code urn:verity:problem:<slug>}, this status and these errors (already capped), and a Retry-After header when
 * {@link #retryAfter} is present. {@link #source} says who caused it: a malformed, oversized or slow request is
 * the {@link FailureSource#REQUEST request's}; a saturated route is the {@link FailureSource#NODE server's}, which
 * another server may not share.
 */
public final class HttpFailure extends RuntimeException {
    /** The kinds of refusal, with the slugs node and gateway already use. */
    public enum Kind {
        MALFORMED_JSON("malformed-json", "Request body is not valid JSON", 400, FailureSource.REQUEST),
        MALFORMED_REQUEST("malformed-request", "The request could not be read", 400, FailureSource.REQUEST),
        REQUEST_TIMEOUT("request-timeout", "The request body arrived too slowly", 408, FailureSource.REQUEST),
        BODY_TOO_LARGE("body-too-large", "Request body too large", 413, FailureSource.REQUEST),
        UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", 415, FailureSource.REQUEST),
        RATE_LIMITED("rate-limited", "Too many requests", 429, FailureSource.NODE);

        public final String slug;
        public final String title;
        public final int status;
        public final FailureSource source;

        Kind(String slug, String title, int status, FailureSource source) {
            this.slug = slug;
            this.title = title;
            this.status = status;
            this.source = source;
        }

        public String type() {
            return "urn:verity:problem:" + slug;
        }
    }

    private final Kind kind;
    private final transient List<FieldError> errors;
    private final transient Optional<Duration> retryAfter;

    public HttpFailure(Kind kind, String detail, List<FieldError> errors, Optional<Duration> retryAfter) {
        super(detail, null, false, false); // a refusal, not a bug: no stack trace to fill or to leak
        this.kind = kind;
        this.errors = FieldErrors.cap(List.copyOf(errors));
        this.retryAfter = retryAfter;
    }

    public HttpFailure(Kind kind, String detail) {
        this(kind, detail, List.of(), Optional.empty());
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return kind.status;
    }

    public FailureSource source() {
        return kind.source;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    /** This refusal as a problem document, with its source. */
    public Problem problem() {
        return Problem.of(kind.slug, kind.title, kind.status, getMessage()).withErrors(errors).withSource(kind.source);
    }
}
