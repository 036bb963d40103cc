package io.verity.llm;

/** The llama.cpp child process failed, died or refused a request; the message says which. */
public final class LlmException extends RuntimeException {
    public LlmException(String message) {
        super(message);
    }

    public LlmException(String message, Throwable cause) {
        super(message, cause);
    }
}
