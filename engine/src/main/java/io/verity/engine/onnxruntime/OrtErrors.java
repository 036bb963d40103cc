package io.verity.engine.onnxruntime;

import ai.onnxruntime.OrtException;
import io.verity.engine.EngineException;
import io.verity.engine.EngineException.Kind;

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
                + e.getMessage(), e);
    }

    /**
     * While running, ORT reports inputs it rejects (wrong name, type, rank or fixed dim) as INVALID_ARGUMENT;
     * everything else, including a kernel failing part-way, is FAILURE because ORT gives no reliable way to
     * tell a caller's mistake from a runtime fault.
     */
    static EngineException atRun(String label, OrtException e) {
        Kind kind = e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT ? Kind.INVALID_INPUT : Kind.FAILURE;
        return new EngineException(kind, label + ": onnxruntime run failed (" + e.getCode() + "): "
                + e.getMessage(), e);
    }
}
