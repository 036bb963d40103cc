package io.verity.node.serve;

import io.verity.protocol.json.FieldError;
import java.util.List;

/**
 * Why the node will not answer a request, in its own terms; the HTTP edge maps each {@link Reason} to a problem
 * document (status, slug, source), so serving knows nothing of HTTP.
 */
public final class Refusal extends RuntimeException {
    public enum Reason {
        /** No such model in the hub, or the reference is ambiguous. */
        UNKNOWN_MODEL,
        /** A language model asked for on the tensor route. */
        NOT_A_TENSOR_MODEL,
        /** The engine cannot load the model on this node. */
        MODEL_UNLOADABLE,
        /** The inputs do not match the model's schema, or the engine refused them. */
        INVALID_INPUT,
        /** The engine failed on a valid request (a bug or a resource limit); nothing was charged. */
        ENGINE_FAILED,
        /** The receipt log could not be written, so the answer is withheld. */
        NOT_DURABLE,
        /** The payer header is not an address. */
        BAD_PAYER,
        /** The run took longer than the node's limit and was stopped; nothing was signed or charged. */
        RUN_TOO_LONG
    }

    private final Reason reason;
    private final transient List<FieldError> errors;

    public Refusal(Reason reason, String detail, List<FieldError> errors) {
        super(detail, null, false, false); // a refusal, not a bug: no stack trace
        this.reason = reason;
        this.errors = List.copyOf(errors);
    }

    /** A run stopped at the node's limit ({@code --max-run-ms}): the request's inputs made it that long. */
    public static Refusal runTooLong(java.time.Duration limit) {
        return new Refusal(Reason.RUN_TOO_LONG, "the model ran longer than this node's limit of " + limit.toMillis()
                + " ms (--max-run-ms) and was stopped; nothing was charged. Send smaller inputs", List.of());
    }

    public Reason reason() {
        return reason;
    }

    /** The rejected fields by JSON pointer into the request; empty when the refusal is about no one field. */
    public List<FieldError> errors() {
        return errors;
    }
}
