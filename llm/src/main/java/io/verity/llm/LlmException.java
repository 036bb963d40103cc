package io.verity.llm;

/**
 * The llama.cpp child process failed, died or refused a request; the message says which, {@link #fault()} whose
 * fault it was, so a server can answer 4xx (the request: every worker would fail it the same way) or 503 (the
 * engine: another worker, or this one after its restart, may succeed).
 */
public final class LlmException extends RuntimeException {
    /** Whose fault a failure is. */
    public enum Fault {
        /** llama.cpp refused this request (e.g. a prompt longer than the context); the worker is fine. */
        REQUEST,
        /** The worker crashed on this request, or did so earlier ({@link LlmEngine} remembers): refused without running it. */
        POISON,
        /** The worker is gone, restarting or closed; not the request's doing. */
        ENGINE
    }

    private final Fault fault;

    public LlmException(Fault fault, String message) {
        super(message);
        this.fault = fault;
    }

    public LlmException(String message) {
        this(Fault.ENGINE, message);
    }

    public LlmException(String message, Throwable cause) {
        super(message, cause);
        this.fault = Fault.ENGINE;
    }

    public Fault fault() {
        return fault;
    }
}
