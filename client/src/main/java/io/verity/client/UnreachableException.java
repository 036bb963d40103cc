package io.verity.client;

import java.net.URI;
import java.util.Objects;

/**
 * No HTTP answer arrived: the connection was refused or dropped, or the timeout passed. Safe to retry with the
 * same request id (the server either never saw the request or will sign the same request id again).
 */
public final class UnreachableException extends InferenceException {
    private final transient URI target;

    UnreachableException(URI target, String message, Throwable cause) {
        super(message, cause);
        this.target = Objects.requireNonNull(target, "target");
    }

    /** The URL that did not answer. */
    public URI target() {
        return target;
    }
}
