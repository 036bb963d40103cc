package io.verity.node.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.json.FieldError;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec.Dim;
import io.verity.protocol.tensor.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class InputValidatorTest {
    // Shaped like Silero VAD: input [batch, samples], state [2, batch, 128], sr scalar.
    static final ModelSchema SCHEMA = new ModelSchema(
            List.of(new TensorSpec("input", DType.FLOAT32, List.of(Dim.dynamic("batch"), Dim.dynamic(""))),
                    new TensorSpec("state", DType.FLOAT32, List.of(Dim.fixed(2), Dim.dynamic("batch"), Dim.fixed(128))),
                    new TensorSpec("sr", DType.INT64, List.of())),
            List.of(new TensorSpec("output", DType.FLOAT32, List.of(Dim.dynamic("batch"), Dim.fixed(1)))));

    static Tensor input(long batch, long n) {
        return Tensor.ofFloats("input", Shape.of(batch, n), new float[(int) (batch * n)]);
    }

    static Tensor state(long batch) {
        return Tensor.ofFloats("state", Shape.of(2, batch, 128), new float[(int) (2 * batch * 128)]);
    }

    static final Tensor SR = Tensor.ofLongs("sr", Shape.of(), 16000);

    @Test
    void accepts_inputs_that_fit_the_schema_in_any_order() {
        assertThat(InputValidator.validate(SCHEMA, List.of(SR, state(1), input(1, 512)), false)).isEmpty();
    }

    @Test
    void names_a_missing_input_with_its_expected_type_and_shape() {
        assertThat(InputValidator.validate(SCHEMA, List.of(input(1, 512), SR), false))
                .containsExactly(new FieldError("/inputs", "missing input 'state' (float32 [2, batch, 128])"));
    }

    @Test
    void names_an_unknown_input_and_lists_the_real_ones() {
        Tensor extra = Tensor.ofFloats("h", Shape.of(1), 0f);
        assertThat(InputValidator.validate(SCHEMA, List.of(input(1, 512), state(1), SR, extra), false))
                .containsExactly(new FieldError("/inputs/3/name",
                        "unknown input 'h', the model takes [input, state, sr]"));
    }

    @Test
    void rejects_a_wrong_dtype() {
        Tensor sr = Tensor.ofInts("sr", Shape.of(), 16000);
        assertThat(InputValidator.validate(SCHEMA, List.of(input(1, 512), state(1), sr), false))
                .containsExactly(new FieldError("/inputs/2/dtype", "input 'sr' must be int64, got int32"));
    }

    @Test
    void rejects_a_wrong_rank_and_a_wrong_fixed_dim() {
        Tensor flat = Tensor.ofFloats("input", Shape.of(512), new float[512]);
        Tensor badState = Tensor.ofFloats("state", Shape.of(2, 1, 64), new float[128]);
        assertThat(InputValidator.validate(SCHEMA, List.of(flat, badState, SR), false)).containsExactly(
                new FieldError("/inputs/0/shape", "input 'input' must have rank 2 [batch, ?], got 1 [512]"),
                new FieldError("/inputs/1/shape/2", "input 'state' dim 2 must be 128 [2, batch, 128], got 64"));
    }

    @Test
    void a_named_dynamic_dim_must_agree_across_inputs() {
        assertThat(InputValidator.validate(SCHEMA, List.of(input(2, 512), state(1), SR), false))
                .containsExactly(new FieldError("/inputs/1/shape/1",
                        "input 'state' dim 1 ('batch') must equal 2 as in input 'input', got 1"));
    }

    @Test
    void rejects_nan_and_infinity_unless_allowed() {
        float[] data = new float[512];
        data[7] = Float.NaN;
        Tensor nan = Tensor.ofFloats("input", Shape.of(1, 512), data);
        assertThat(InputValidator.validate(SCHEMA, List.of(nan, state(1), SR), false))
                .containsExactly(new FieldError("/inputs/0/data/7",
                        "input 'input' must hold finite numbers, element 7 is NaN or infinite"));
        assertThat(InputValidator.validate(SCHEMA, List.of(nan, state(1), SR), true)).isEmpty();
    }

    @Test
    void rejects_a_duplicate_input() {
        assertThat(InputValidator.validate(SCHEMA, List.of(input(1, 4), state(1), SR, SR), false))
                .containsExactly(new FieldError("/inputs/3/name", "duplicate input 'sr' (also at /inputs/2)"));
    }

    @Test
    void finds_non_finite_half_precision_values() {
        Tensor h = Tensor.ofRaw("x", DType.FLOAT16, Shape.of(2), new byte[] {0x00, 0x3c, 0x00, 0x7c}); // 1.0, +inf
        assertThat(InputValidator.firstNonFinite(h)).isEqualTo(1);
    }
}
