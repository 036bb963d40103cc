package io.verity.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtException.OrtErrorCode;
import io.verity.engine.EngineException;
import io.verity.engine.EngineException.Kind;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayNameGeneration(ReplaceUnderscores.class)
class OrtErrorsTest {
    private static final String LABEL = "model 0xab (m.onnx)";

    @ParameterizedTest
    @EnumSource(value = OrtErrorCode.class, names = {"ORT_FAIL", "ORT_INVALID_ARGUMENT", "ORT_NO_SUCHFILE",
        "ORT_NO_MODEL", "ORT_INVALID_PROTOBUF", "ORT_NOT_IMPLEMENTED", "ORT_INVALID_GRAPH", "ORT_MODEL_LOADED"})
    void a_file_onnxruntime_rejects_at_load_is_an_invalid_model(OrtErrorCode code) {
        EngineException e = OrtErrors.atLoad(LABEL, new OrtException(code, "nope"));

        assertThat(e.kind()).isEqualTo(Kind.INVALID_MODEL);
        assertThat(e.getMessage()).isEqualTo(LABEL + ": onnxruntime cannot load the model (" + code + "): nope");
    }

    @ParameterizedTest
    @EnumSource(value = OrtErrorCode.class, names = {"ORT_ENGINE_ERROR", "ORT_RUNTIME_EXCEPTION", "ORT_EP_FAIL"})
    void an_engine_fault_at_load_is_a_failure(OrtErrorCode code) {
        assertThat(OrtErrors.atLoad(LABEL, new OrtException(code, "x")).kind()).isEqualTo(Kind.FAILURE);
    }

    @Test
    void an_invalid_argument_at_run_is_invalid_input() {
        EngineException e = OrtErrors.atRun(LABEL, new OrtException(OrtErrorCode.ORT_INVALID_ARGUMENT,
                "Invalid rank for input: x Got: 3 Expected: 2"));

        assertThat(e.kind()).isEqualTo(Kind.INVALID_INPUT);
        assertThat(e.getMessage()).isEqualTo(LABEL + ": onnxruntime run failed (ORT_INVALID_ARGUMENT): "
                + "Invalid rank for input: x Got: 3 Expected: 2");
    }

    @Test
    void a_kernel_failing_on_shapes_at_run_is_invalid_input() {
        String msg = "Non-zero status code returned while running Add node. Name:'p2o.Add.248' Status Message: "
                + "Attempting to broadcast an axis by a dimension other than 1. 5 by 6";

        assertThat(kindAtRun(OrtErrorCode.ORT_FAIL, msg)).isEqualTo(Kind.INVALID_INPUT);
    }

    @Test
    void a_kernel_failing_for_other_reasons_at_run_is_a_failure() {
        String msg = "Non-zero status code returned while running MatMul node. Name:'m' Status Message: "
                + "Failed to allocate memory for requested buffer of size 1099511627776";

        assertThat(kindAtRun(OrtErrorCode.ORT_FAIL, msg)).isEqualTo(Kind.FAILURE);
        assertThat(kindAtRun(OrtErrorCode.ORT_ENGINE_ERROR, "shape"))
                .as("only kernel errors are read for shape words").isEqualTo(Kind.FAILURE);
    }

    private static Kind kindAtRun(OrtErrorCode code, String message) {
        return OrtErrors.atRun(LABEL, new OrtException(code, message)).kind();
    }
}
