package io.verity.engine.det;

/** An operator rejected its inputs or attributes; the message names the node, the field and the expectation. */
final class OpException extends RuntimeException {
    OpException(Op n, String message) {
        super(n.describe() + ": " + message);
    }
}
