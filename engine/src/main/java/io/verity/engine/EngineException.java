package io.verity.engine;

/** An engine refused a model or inputs, or failed while running; {@link #kind()} says whose fault it is. */
public final class EngineException extends RuntimeException {
    public enum Kind {
        /** The model file cannot be loaded by this engine (not ONNX, unsupported operator, corrupt). */
        INVALID_MODEL,
        /** The inputs are acceptable to the schema but the engine rejects them (e.g. incompatible dims). */
        INVALID_INPUT,
        /** The engine failed on valid inputs: a bug or a resource problem, not the caller's mistake. */
        FAILURE,
        /** The run was stopped by its {@link io.verity.engine.RunStop} (a node's time limit) before it ended. */
        STOPPED
    }

    private final Kind kind;

    public EngineException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public EngineException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
