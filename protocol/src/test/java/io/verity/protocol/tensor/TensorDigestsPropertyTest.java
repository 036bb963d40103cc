package io.verity.protocol.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

/** Injectivity of the canonical encoding on the cases that matter (docs/protocol.md, "Canonical encoding"). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TensorDigestsPropertyTest {

    @Property
    void the_same_data_under_a_different_shape_digests_differently(@ForAll @Size(min = 2, max = 64) List<Float> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) f[i] = values.get(i);
        int n = f.length;
        Keccak256 flat = TensorDigests.tensorDigest(Tensor.ofFloats("x", Shape.of(n), f));
        Keccak256 row = TensorDigests.tensorDigest(Tensor.ofFloats("x", Shape.of(1, n), f));
        Keccak256 column = TensorDigests.tensorDigest(Tensor.ofFloats("x", Shape.of(n, 1), f));
        assertThat(List.of(flat, row, column)).doesNotHaveDuplicates();
    }

    @Property
    void the_order_of_tensors_does_not_matter(@ForAll("tensorLists") List<Tensor> tensors, @ForAll long seed) {
        List<Tensor> shuffled = new ArrayList<>(tensors);
        Collections.shuffle(shuffled, new Random(seed));
        assertThat(TensorDigests.tensorsDigest(shuffled)).isEqualTo(TensorDigests.tensorsDigest(tensors));
    }

    @Property
    void renaming_one_tensor_changes_the_digest(
            @ForAll("tensorLists") List<Tensor> tensors, @ForAll @IntRange(max = 7) int which,
            @ForAll @StringLength(min = 1, max = 6) String newName) {
        int i = which % tensors.size();
        Assume.that(tensors.stream().noneMatch(t -> t.name().equals(newName)));
        List<Tensor> renamed = new ArrayList<>(tensors);
        renamed.set(i, tensors.get(i).withName(newName));
        assertThat(TensorDigests.tensorsDigest(renamed)).isNotEqualTo(TensorDigests.tensorsDigest(tensors));
    }

    @Property
    void the_same_bytes_under_another_dtype_digest_differently(@ForAll @Size(min = 0, max = 16) List<Integer> ints) {
        byte[] le = ByteBuffer.allocate(ints.size() * 4).order(ByteOrder.LITTLE_ENDIAN).array();
        ByteBuffer b = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : ints) b.putInt(v);
        Shape s = Shape.of(ints.size());
        Keccak256 asInt = TensorDigests.tensorDigest(Tensor.ofRaw("x", DType.INT32, s, le));
        Keccak256 asFloat = TensorDigests.tensorDigest(Tensor.ofRaw("x", DType.FLOAT32, s, le));
        Keccak256 asBytes = TensorDigests.tensorDigest(Tensor.ofRaw("x", DType.UINT8, Shape.of(le.length), le));
        Keccak256 asSignedBytes = TensorDigests.tensorDigest(Tensor.ofRaw("x", DType.INT8, Shape.of(le.length), le));
        assertThat(List.of(asInt, asFloat, asBytes, asSignedBytes)).doesNotHaveDuplicates();
    }

    @Property
    void moving_a_string_boundary_changes_the_digest(
            @ForAll @StringLength(min = 2, max = 20) String s, @ForAll @IntRange(max = 20) int i, @ForAll @IntRange(max = 20) int j) {
        int a = i % (s.length() + 1);
        int b = j % (s.length() + 1);
        Assume.that(a != b);
        Tensor left = Tensor.ofStrings("s", Shape.of(2), List.of(s.substring(0, a), s.substring(a)));
        Tensor right = Tensor.ofStrings("s", Shape.of(2), List.of(s.substring(0, b), s.substring(b)));
        assertThat(TensorDigests.tensorDigest(left)).isNotEqualTo(TensorDigests.tensorDigest(right));
    }

    @Property
    void moving_a_boundary_between_name_and_data_changes_the_encoding(
            @ForAll @StringLength(min = 1, max = 8) String name, @ForAll @StringLength(min = 1, max = 8) String value) {
        // "ab" holding ["c"] vs "a" holding ["bc"]: only the length prefixes tell them apart
        Tensor one = Tensor.ofStrings(name + value.charAt(0), Shape.of(1), List.of(value.substring(1)));
        Tensor other = Tensor.ofStrings(name, Shape.of(1), List.of(value));
        assertThat(TensorDigestsTest.encode(one)).isNotEqualTo(TensorDigestsTest.encode(other));
    }

    @Property
    void encodings_are_equal_only_for_equal_tensors(@ForAll("tensors") Tensor a, @ForAll("tensors") Tensor b) {
        assertThat(Arrays.equals(TensorDigestsTest.encode(a), TensorDigestsTest.encode(b))).isEqualTo(a.equals(b));
    }

    @Provide
    Arbitrary<Tensor> tensors() {
        Arbitrary<DType> dtypes = Arbitraries.of(DType.FLOAT32, DType.INT32, DType.UINT8, DType.INT8, DType.BOOL,
                DType.STRING, DType.FLOAT16, DType.INT64);
        return TensorArbitraries.tensors(Arbitraries.of("a", "b", "ab", "x", "é"), dtypes, List.of("", "a", "b", "ab"),
                (dtype, r, bytes) -> {
                    for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (dtype == DType.BOOL ? r.nextInt(2) : r.nextInt(3));
                });
    }

    @Provide
    Arbitrary<List<Tensor>> tensorLists() {
        return tensors().list().ofMinSize(1).ofMaxSize(6).uniqueElements(Tensor::name);
    }
}
