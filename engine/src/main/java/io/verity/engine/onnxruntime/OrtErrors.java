package io.verity.engine.onnxruntime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtException.OrtErrorCode;
import io.verity.engine.EngineException;
import io.verity.engine.EngineException.Kind;
import java.util.regex.Pattern;

/** Maps ONNX Runtime error codes to whose fault it is, adding which model and what step failed. */
final class OrtErrors {
    private OrtErrors() {}

    /**
     * While creating a session almost every error is the file's fault: not protobuf, a graph that does not
     * type-check, an operator or opset this build lacks. Only engine-side faults (an execution provider or the
     * runtime itself failing) are FAILURE.
     */
    static EngineException atLoad(String label, OrtException e) {
        Kind kind = switch (e.getCode()) {
            case ORT_ENGINE_ERROR, ORT_RUNTIME_EXCEPTION, ORT_EP_FAIL, ORT_DEVICE_RESET, ORT_JAVA_UNKNOWN -> Kind.FAILURE;
            default -> Kind.INVALID_MODEL;
        };
        return new EngineException(kind, label + ": onnxruntime cannot load the model (" + e.getCode() + "): "
                + detail(e), e);
    }

    /**
     * ORT kernels report inputs whose (dynamic) dims they cannot work with, e.g. "Attempting to broadcast an
     * axis by a dimension other than 1" or "Input initial_h must have shape {1,1,128}", as a plain ORT_FAIL
     * from "running X node": there is no dedicated code. Those messages all talk about shapes, so they are
     * recognised by these words; anything else stays FAILURE.
     */
    private static final Pattern SHAPE_WORDS =
            Pattern.compile("shape|dimension|broadcast|\\brank\\b|\\bdims?\\b", Pattern.CASE_INSENSITIVE);

    /**
     * While running: ORT_INVALID_ARGUMENT (wrong name, type, rank or dim of an input) is INVALID_INPUT; a
     * kernel failing on shapes the inputs imply ({@link #SHAPE_WORDS}) is INVALID_INPUT too, since the same
     * model runs on well-shaped inputs; everything else (allocation failures, internal errors) is FAILURE.
     */
    static EngineException atRun(String label, OrtException e) {
        boolean kernelShapeError = (e.getCode() == OrtErrorCode.ORT_FAIL || e.getCode() == OrtErrorCode.ORT_RUNTIME_EXCEPTION)
                && e.getMessage() != null && e.getMessage().contains("while running")
                && SHAPE_WORDS.matcher(e.getMessage()).find();
        Kind kind = e.getCode() == OrtErrorCode.ORT_INVALID_ARGUMENT || kernelShapeError ? Kind.INVALID_INPUT : Kind.FAILURE;
        return new EngineException(kind, label + ": onnxruntime run failed (" + e.getCode() + "): "
                + detail(e), e);
    }

    /** The message without the "Error code - X - message: " prefix that ORT's Java binding adds. */
    static String detail(OrtException e) {
        String m = String.valueOf(e.getMessage());
        String prefix = "Error code - " + e.getCode() + " - message: ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
