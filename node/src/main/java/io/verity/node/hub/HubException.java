package io.verity.node.hub;

import io.verity.protocol.Keccak256;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * Why the hub refused an operation. Each case is its own type so a caller (the CLI's exit codes, the node's
 * HTTP status) can switch on it instead of parsing messages; every message is one line a user can act on.
 */
public abstract sealed class HubException extends RuntimeException {

    HubException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No stored model matches the reference, or the remote node has no such model. */
    public static final class NotFound extends HubException {
        private final String ref;

        public NotFound(String ref, String message) {
            super(message, null);
            this.ref = Objects.requireNonNull(ref, "ref");
        }

        public String ref() {
            return ref;
        }
    }

    /** A digest prefix matches more than one stored model. */
    public static final class Ambiguous extends HubException {
        private final List<Keccak256> candidates;

        public Ambiguous(String ref, List<Keccak256> candidates) {
            super("model reference '" + ref + "' matches " + candidates.size() + " models (" + candidates
                    + "), give more digits", null);
            this.candidates = List.copyOf(candidates);
        }

        public List<Keccak256> candidates() {
            return candidates;
        }
    }

    /** name@version is already bound to other bytes, or these bytes are already stored under another name. */
    public static final class Conflict extends HubException {
        private final Keccak256 existing;

        public Conflict(Keccak256 existing, String message) {
            super(message, null);
            this.existing = Objects.requireNonNull(existing, "existing");
        }

        /** The digest of the model already stored that the request collides with. */
        public Keccak256 existing() {
            return existing;
        }
    }

    /** The file is not an ONNX model the hub can describe (see the message for what is wrong). */
    public static final class InvalidModel extends HubException {
        public InvalidModel(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Fetched bytes do not hash to the digest that was asked for; nothing was kept. */
    public static final class DigestMismatch extends HubException {
        private final Keccak256 expected;
        private final Keccak256 actual;

        public DigestMismatch(Keccak256 expected, Keccak256 actual, String where) {
            super("refusing model from " + where + ": expected digest " + expected + ", got " + actual, null);
            this.expected = expected;
            this.actual = actual;
        }

        public Keccak256 expected() {
            return expected;
        }

        public Keccak256 actual() {
            return actual;
        }
    }

    /** A failure while fetching from another node; {@link #node()} says which. */
    public abstract static sealed class Remote extends HubException {
        private final URI node;

        Remote(URI node, String message, Throwable cause) {
            super(message, cause);
            this.node = node;
        }

        public URI node() {
            return node;
        }
    }

    /** The remote node could not be reached at all (connection refused, unknown host, timeout). */
    public static final class NodeUnavailable extends Remote {
        public NodeUnavailable(URI node, String message, Throwable cause) {
            super(node, message, cause);
        }
    }

    /** The remote node answered, but not with a usable model (bad status, bad manifest, truncated body). */
    public static final class FetchFailed extends Remote {
        public FetchFailed(URI node, String message, Throwable cause) {
            super(node, message, cause);
        }
    }
}
