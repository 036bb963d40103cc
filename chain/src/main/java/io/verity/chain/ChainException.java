package io.verity.chain;

/** The chain could not be reached or answered with an RPC error (not a contract revert). Safe to retry. */
public class ChainException extends RuntimeException {
    public ChainException(String message, Throwable cause) {
        super(message, cause);
    }

    public ChainException(String message) {
        super(message);
    }
}
