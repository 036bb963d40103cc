package io.verity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class OnnxBackendTestDataTest {

    private static OnnxMl.TensorProto.Builder proto(DType dtype, long... dims) {
        OnnxMl.TensorProto.Builder b = OnnxMl.TensorProto.newBuilder().setDataType(dtype.code());
        for (long d : dims) b.addDims(d);
        return b;
    }

    @Test
    void loads_a_case_with_inputs_and_outputs_named_after_the_graph() {
        OnnxBackendTestData.Case c = OnnxBackendTestData.load("node/test_cast_FLOAT_to_FLOAT16");

        assertThat(c.inputs()).extracting(Tensor::name, Tensor::dtype).containsExactly(
                org.assertj.core.groups.Tuple.tuple("input", DType.FLOAT32));
        assertThat(c.expectedOutputs()).extracting(Tensor::name, Tensor::dtype).containsExactly(
                org.assertj.core.groups.Tuple.tuple("output", DType.FLOAT16));
        assertThat(c.model()).isRegularFile();
    }

    @Test
    void reads_typed_fields_float16_bits_and_bools_from_int32_data() {
        Tensor h = OnnxBackendTestData.toTensor("h", proto(DType.FLOAT16, 2).addInt32Data(0x3c00).addInt32Data(0xc000).build(), "t");
        Tensor b = OnnxBackendTestData.toTensor("b", proto(DType.BOOL, 3).addInt32Data(1).addInt32Data(0).addInt32Data(1).build(), "t");
        Tensor u = OnnxBackendTestData.toTensor("u", proto(DType.UINT8, 1).addInt32Data(255).build(), "t");
        Tensor l = OnnxBackendTestData.toTensor("l", proto(DType.INT64).addInt64Data(-5).build(), "t");

        assertThat(h.dataBytes()).containsExactly(0x00, 0x3c, 0x00, 0xc0); // 1.0 and -2.0 in half, little-endian
        assertThat(b.bools()).containsExactly(true, false, true);
        assertThat(u.dataBytes()).containsExactly(0xff);
        assertThat(l.shape()).isEqualTo(Shape.of());
        assertThat(l.longs()).containsExactly(-5L);
    }

    @Test
    void reads_raw_data_and_strings() {
        Tensor f = OnnxBackendTestData.toTensor("f", proto(DType.FLOAT32, 1)
                .setRawData(ByteString.copyFrom(new byte[] {0, 0, (byte) 0x80, 0x3f})).build(), "t");
        Tensor s = OnnxBackendTestData.toTensor("s", proto(DType.STRING, 2)
                .addStringData(ByteString.copyFromUtf8("a")).addStringData(ByteString.copyFromUtf8("é")).build(), "t");

        assertThat(f.floats()).containsExactly(1f);
        assertThat(s.strings()).isEqualTo(List.of("a", "é"));
    }

    @Test
    void rejects_unknown_types_and_wrong_counts_naming_the_source() {
        assertThatThrownBy(() -> OnnxBackendTestData.toTensor("x", OnnxMl.TensorProto.newBuilder().setDataType(16).build(), "in.pb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("in.pb: data_type 16 is not one Verity carries");
        assertThatThrownBy(() -> OnnxBackendTestData.toTensor("x", proto(DType.FLOAT32, 2).addFloatData(1).build(), "in.pb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("in.pb: shape [2] needs 2 elements, got 1");
    }

    @Test
    void rejects_cases_whose_values_are_not_tensors_and_unknown_cases() {
        assertThatThrownBy(() -> OnnxBackendTestData.load("node/test_sequence_insert_at_back"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a SEQUENCE_TYPE, not a tensor");
        assertThatThrownBy(() -> OnnxBackendTestData.load("node/no_such_case"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no ONNX backend test case 'node/no_such_case' under ");
    }
}
