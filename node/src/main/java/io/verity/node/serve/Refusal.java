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
        BAD_PAYER
    }

    private final Reason reason;
    private final transient List<FieldError> errors;

    public Refusal(Reason reason, String detail, List<FieldError> errors) {
        super(detail, null, false, false); // a refusal, not a bug: no stack trace
        this.reason = reason;
        this.errors = List.copyOf(errors);
    }

    public Reason reason() {
        return reason;
    }

    /** The rejected fields by JSON pointer into the request; empty when the refusal is about no one field. */
    public List<FieldError> errors() {
        return errors;
    }
}
