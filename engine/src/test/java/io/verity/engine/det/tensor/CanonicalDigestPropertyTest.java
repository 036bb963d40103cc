package io.verity.engine.det.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The engine digests its intermediate arrays without building protocol Tensors (that copy would double the
 * trace cost); this pins its encoding to the protocol's canonical one, so trace digests and receipt digests
 * can never drift apart.
 */
class CanonicalDigestPropertyTest {
    @Property(tries = 200)
    void float_tensors_digest_as_the_protocol_does(@ForAll @Size(max = 24) float[] values, @ForAll @IntRange(min = 1, max = 4) int rows) {
        int n = values.length - values.length % rows;
        float[] v = java.util.Arrays.copyOf(values, n);
        Tensor t = Tensor.ofFloats("x", Shape.of(rows, n / rows), v);
        assertThat(Canonical.tensorDigest("x", Convert.fromTensor(t))).isEqualTo(TensorDigests.tensorDigest(t));
    }

    @Property(tries = 200)
    void integer_and_bool_tensors_digest_as_the_protocol_does(@ForAll @Size(max = 16) long[] values, @ForAll boolean[] flags) {
        Tensor l = Tensor.ofLongs("ids", Shape.of(values.length), values);
        assertThat(Canonical.tensorDigest("ids", Convert.fromTensor(l))).isEqualTo(TensorDigests.tensorDigest(l));
        int[] ints = new int[values.length];
        for (int i = 0; i < ints.length; i++) ints[i] = (int) values[i];
        Tensor it = Tensor.ofInts("i", Shape.of(ints.length), ints);
        assertThat(Canonical.tensorDigest("i", Convert.fromTensor(it))).isEqualTo(TensorDigests.tensorDigest(it));
        Tensor b = Tensor.ofBools("mask", Shape.of(flags.length), flags);
        assertThat(Canonical.tensorDigest("mask", Convert.fromTensor(b))).isEqualTo(TensorDigests.tensorDigest(b));
    }

    @Property(tries = 50)
    void scalars_digest_as_the_protocol_does(@ForAll double d) {
        Tensor t = Tensor.ofDoubles("s", Shape.of(), d);
        assertThat(Canonical.tensorDigest("s", Convert.fromTensor(t))).isEqualTo(TensorDigests.tensorDigest(t));
    }
}
