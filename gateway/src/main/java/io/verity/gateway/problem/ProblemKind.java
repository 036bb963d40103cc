package io.verity.gateway.problem;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.verity.gateway.routing.Attempt;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.wire.Problem;
import io.verity.protocol.wire.ProblemException;
import java.util.List;

/**
 * The problems the gateway answers itself, as protocol {@link Problem}s of type {@code urn:verity:problem:<slug>}:
 * the same shape and slugs as a node's, so one client handles both. Behind a 502 the extension member
 * {@code attempts} lists the node calls that failed.
 */
public enum ProblemKind {
    MALFORMED_JSON("malformed-json", "Request body is not valid JSON", 400),
    INVALID_REQUEST("invalid-request", "Request does not match the API", 400),
    UNKNOWN_MODEL("unknown-model", "No node serves this model", 404),
    NOT_FOUND("not-found", "Not found", 404),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", 405),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", 415),
    BODY_TOO_LARGE("body-too-large", "Request body too large", 413),
    INSUFFICIENT_DEPOSIT("insufficient-deposit", "Client's deposit does not cover the answer", 402),
    NO_VALID_ANSWER("no-valid-answer", "No node produced a valid answer", 502),
    NO_MAJORITY("no-majority", "Nodes disagreed and no majority was reached", 502),
    NOT_ENOUGH_NODES("not-enough-nodes", "Too few nodes of distinct operators for this policy", 503),
    NO_ATTESTED_NODE("no-attested-node", "No node passes the TEE policy", 503),
    INTERNAL("internal", "Internal error", 500);

    /** The extension member listing the node calls behind a problem. */
    public static final String ATTEMPTS = "attempts";

    public final String slug;
    public final String title;
    public final int status;

    ProblemKind(String slug, String title, int status) {
        this.slug = slug;
        this.title = title;
        this.status = status;
    }

    public Problem problem(String detail) {
        return Problem.of(slug, title, status, detail);
    }

    public ProblemException exception(String detail) {
        return new ProblemException(problem(detail));
    }

    public ProblemException exception(String detail, List<FieldError> errors) {
        return new ProblemException(problem(detail).withErrors(errors));
    }

    /** With the node calls that were made, when there were any. */
    public ProblemException failed(String detail, List<Attempt> attempts) {
        Problem p = problem(detail);
        return new ProblemException(attempts.isEmpty() ? p : p.with(ATTEMPTS, attempts(attempts)));
    }

    /** Each call as {@code {node, url, outcome, ms, detail?}}, ms to a tenth. */
    public static ArrayNode attempts(List<Attempt> attempts) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (Attempt t : attempts) a.add(t.toWire().toJson());
        return a;
    }
}
