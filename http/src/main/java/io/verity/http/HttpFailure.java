package io.verity.http;

import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.FieldErrors;
import io.verity.protocol.wire.FailureSource;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemKind;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A request refused by the shared hardening; each server answers it as its own problem+json, of its
 * {@link ProblemKind} (one of MALFORMED_JSON, MALFORMED_REQUEST, REQUEST_TIMEOUT, BODY_TOO_LARGE,
 * UNSUPPORTED_MEDIA_TYPE, RATE_LIMITED) with these errors (already capped), and a Retry-After header when
 * {@link #retryAfter} is present. {@link #source} says who caused it: a malformed, oversized or slow request is
 * the {@link FailureSource#REQUEST request's}; a saturated route is the {@link FailureSource#NODE server's}, which
 * another server may not share.
 */
public final class HttpFailure extends RuntimeException {
    private final ProblemKind kind;
    private final transient List<FieldError> errors;
    private final transient Optional<Duration> retryAfter;

    public HttpFailure(ProblemKind kind, String detail, List<FieldError> errors, Optional<Duration> retryAfter) {
        super(detail, null, false, false); // a refusal, not a bug: no stack trace to fill or to leak
        this.kind = kind;
        this.errors = FieldErrors.cap(List.copyOf(errors));
        this.retryAfter = retryAfter;
    }

    public HttpFailure(ProblemKind kind, String detail) {
        this(kind, detail, List.of(), Optional.empty());
    }

    public ProblemKind kind() {
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
        return kind.problem(getMessage(), errors);
    }
}
