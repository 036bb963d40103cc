package io.verity.engine.det.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.TensorProto;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * Initializer decoding against dims that lie about the data (issue 13, found while fuzzing model loading with
 * DeterministicEngineLoadFuzzTest): each was refused by accident (NegativeArraySizeException,
 * IndexOutOfBoundsException, which load() reported as INVALID_MODEL with a bare "-1"), by allocating what the dims
 * asked for (gigabytes from a few bytes of file), or not at all (a wrapped size).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class ConvertTest {
    @Test
    void typed_values_must_match_the_shape_before_anything_is_allocated() {
        TensorProto short1 = TensorProto.newBuilder().setName("c").setDataType(1).addDims(2).addFloatData(1f).build();
        assertThatThrownBy(() -> Convert.fromProto(short1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'c': shape [2] needs 2 values, got 1");
        // 500M floats would be 2 GB; the file carries none
        TensorProto huge = TensorProto.newBuilder().setName("w").setDataType(1).addDims(500_000_000).build();
        assertThatThrownBy(() -> Convert.fromProto(huge)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'w': shape [500000000] needs 500000000 values, got 0");
        TensorProto ints = TensorProto.newBuilder().setName("i").setDataType(7).addDims(1).addInt64Data(7).build();
        assertThat(Convert.fromProto(ints).longValues()).containsExactly(7L);
    }

    @Test
    void a_negative_dimension_is_refused_by_name() {
        TensorProto t = TensorProto.newBuilder().setName("c").setDataType(1).addDims(-1).build();
        assertThatThrownBy(() -> Convert.fromProto(t)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'c' has a negative dimension: [-1]");
    }

    @Test
    void a_size_beyond_the_int_range_is_refused_even_when_the_long_product_wraps() {
        assertThatThrownBy(() -> Arr.size(new int[] {65536, 65536, 65536, 65536})) // 2^64 wrapped to 0
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor too large");
        assertThat(Arr.size(new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 0})).isZero();
        assertThat(Arr.size(new int[] {})).isEqualTo(1);
    }
}
