package io.verity.engine.det.graph;

/** An operator rejected its inputs or attributes; the message names the node, the field and the expectation. */
public final class OpException extends RuntimeException {
    public OpException(Op n, String message) {
        super(n.describe() + ": " + message);
    }
}
