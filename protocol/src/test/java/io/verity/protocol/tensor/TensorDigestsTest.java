package io.verity.protocol.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TensorDigestsTest {

    static byte[] encode(Tensor t) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TensorDigests.encode(t, out::write);
        return out.toByteArray();
    }

    @Test
    void encodes_a_float_tensor_field_by_field_as_the_protocol_doc_says() {
        Tensor t = Tensor.ofFloats("x", Shape.of(1, 2), 1.0f, -2.0f);
        String expected = "0x"
                + "00000001" + "78" // u32 len(name), name
                + "01" // dtype float32
                + "00000002" + "0000000000000001" + "0000000000000002" // rank, dims
                + "0000000000000008" + "0000803f" + "000000c0"; // byteLength, little-endian floats
        assertThat(Hex.encode(encode(t))).isEqualTo(expected);
        assertThat(TensorDigests.tensorDigest(t)).isEqualTo(Keccak256.hash(Hex.decode(expected)));
    }

    @Test
    void a_streamed_tensor_has_the_digest_of_the_whole_tensor_whatever_the_chunks() {
        Tensor t = Tensor.ofFloats("x", Shape.of(1, 2), 1.0f, -2.0f);
        byte[] le = Hex.decode("0x0000803f000000c0");
        TensorDigests.ElementStream whole = TensorDigests.stream("x", DType.FLOAT32, Shape.of(1, 2));
        whole.update(le, 0, 8);
        TensorDigests.ElementStream pieces = TensorDigests.stream("x", DType.FLOAT32, Shape.of(1, 2));
        pieces.update(le, 0, 3);
        pieces.update(le, 3, 5);
        assertThat(whole.digest()).isEqualTo(TensorDigests.tensorDigest(t));
        assertThat(pieces.digest()).isEqualTo(TensorDigests.tensorDigest(t));
    }

    @Test
    void a_stream_refuses_too_many_or_too_few_element_bytes_and_string_tensors() {
        TensorDigests.ElementStream s = TensorDigests.stream("x", DType.INT32, Shape.of(2));
        s.update(new byte[4], 0, 4);
        assertThatThrownBy(s::digest).isInstanceOf(IllegalStateException.class)
                .hasMessage("the tensor still needs 4 element bytes");
        assertThatThrownBy(() -> s.update(new byte[5], 0, 5)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the tensor has 4 element bytes left, got 5");
        assertThatThrownBy(() -> TensorDigests.stream("s", DType.STRING, Shape.of(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("string tensors have no element bytes to stream");
    }

    @Test
    void encodes_a_string_tensor_with_a_count_and_length_prefixed_utf8() {
        Tensor t = Tensor.ofStrings("s", Shape.of(2), List.of("ab", "é"));
        String expected = "0x" + "00000001" + "73" + "08" + "00000001" + "0000000000000002"
                + "0000000000000002" // count
                + "00000002" + "6162" + "00000002" + "c3a9";
        assertThat(Hex.encode(encode(t))).isEqualTo(expected);
    }

    @Test
    void encodes_a_scalar_with_rank_zero_and_no_dims() {
        Tensor t = Tensor.ofLongs("n", Shape.of(), 1L << 53);
        assertThat(Hex.encode(encode(t)))
                .isEqualTo("0x" + "00000001" + "6e" + "07" + "00000000" + "0000000000000008" + "0000000000002000");
    }

    @Test
    void digests_a_tensor_larger_than_the_streaming_chunk_like_its_full_encoding() {
        float[] values = new float[100_000];
        for (int i = 0; i < values.length; i++) values[i] = i * 0.25f;
        Tensor t = Tensor.ofFloats("big", Shape.of(values.length), values);
        assertThat(TensorDigests.tensorDigest(t)).isEqualTo(Keccak256.hash(encode(t)));
    }

    @Test
    void tensors_digest_is_the_domain_tag_count_and_digests_in_utf8_name_order() {
        Tensor b = Tensor.ofInts("b", Shape.of(1), 2);
        Tensor upper = Tensor.ofInts("Z", Shape.of(1), 3); // 'Z' (0x5a) sorts before 'b' (0x62)
        Tensor accented = Tensor.ofInts("é", Shape.of(1), 1); // 0xc3a9 sorts after ASCII
        Keccak256 expected = Keccak256.hash("verity:tensors:v1".getBytes(), new byte[] {0, 0, 0, 3},
                TensorDigests.tensorDigest(upper).toArray(), TensorDigests.tensorDigest(b).toArray(),
                TensorDigests.tensorDigest(accented).toArray());
        assertThat(TensorDigests.tensorsDigest(List.of(accented, b, upper))).isEqualTo(expected);
    }

    @Test
    void tensors_digest_of_no_tensors_is_the_tag_and_a_zero_count() {
        assertThat(TensorDigests.tensorsDigest(List.of()))
                .isEqualTo(Keccak256.hash("verity:tensors:v1".getBytes(), new byte[4]));
    }

    @Test
    void refuses_strings_without_a_utf8_form_instead_of_encoding_them_as_question_marks() {
        Tensor lone = Tensor.ofStrings("s", Shape.of(2), List.of("ok", "a\uD800"));
        assertThatThrownBy(() -> TensorDigests.tensorDigest(lone))
                .hasMessage("tensor 's' string 1 is not valid Unicode: it has an unpaired surrogate");
        Tensor named = Tensor.ofInts("x\uDC00", Shape.of(1), 1);
        assertThatThrownBy(() -> TensorDigests.tensorsDigest(List.of(named)))
                .hasMessage("tensor name is not valid Unicode: it has an unpaired surrogate");
        Tensor pair = Tensor.ofStrings("s", Shape.of(1), List.of("\uD83D\uDE42"));
        assertThat(encode(pair)).endsWith(0xf0, 0x9f, 0x99, 0x82);
    }

    @Test
    void rejects_two_tensors_with_the_same_name() {
        Tensor a = Tensor.ofFloats("x", Shape.of(1), 1f);
        Tensor b = Tensor.ofInts("x", Shape.of(1), 1);
        assertThatThrownBy(() -> TensorDigests.tensorsDigest(List.of(a, b)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("duplicate tensor name 'x': tensor names in a request or response must be unique");
    }
}
