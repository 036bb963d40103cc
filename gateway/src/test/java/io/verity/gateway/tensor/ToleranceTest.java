package io.verity.gateway.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When two tensor answers count as the same: within the tolerance, or bit for bit within one deterministic contract. */
class ToleranceTest {
    @Test
    void toleranceComparesFloatsWithinBoundsAndEverythingElseExactly() {
        Tolerance t = new Tolerance(1e-5, 1e-4);
        Tensor a = Tensor.ofFloats("y", Shape.of(2), 1.0f, 100.0f);
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(2), 1.000005f, 100.009f)))).isTrue();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(2), 1.001f, 100.0f)))).isFalse();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("z", Shape.of(2), 1.0f, 100.0f)))).as("name").isFalse();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(1, 2), 1.0f, 100.0f)))).as("shape").isFalse();
        assertThat(t.same(List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)), List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)))).isTrue();
        assertThat(t.same(List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)), List.of(Tensor.ofFloats("y", Shape.of(1), 0f)))).isFalse();
        assertThat(t.same(List.of(Tensor.ofLongs("k", Shape.of(1), 3)), List.of(Tensor.ofLongs("k", Shape.of(1), 4)))).isFalse();
    }

    /** Answers of one deterministic contract agree only bit for bit; of two (verity-det/2 and /3), within the tolerance. */
    @Test
    void deterministicAnswersAreBitExactWithinOneContractAndWithinToleranceAcrossContracts() {
        List<Tensor> y = List.of(Tensor.ofFloats("y", Shape.of(1), 1.0f));
        List<Tensor> close = List.of(Tensor.ofFloats("y", Shape.of(1), 1.000001f));
        var agreement = new Tolerance(1e-5, 1e-4).<Det>agreement(Det::receipt, Det::outputs);

        assertThat(agreement.same(det("verity-det/3", y), det("verity-det/3", y))).isTrue();
        assertThat(agreement.same(det("verity-det/3", y), det("verity-det/3", close))).as("one contract: bits").isFalse();
        assertThat(agreement.same(det("verity-det/2", y), det("verity-det/3", close))).as("two contracts: tolerance").isTrue();
        assertThat(Tolerance.BIT_EXACT.<Det>agreement(Det::receipt, Det::outputs).same(det("verity-det/2", y), det("verity-det/3", close)))
                .as("a bit-exact model stays bit-exact").isFalse();
    }

    record Det(io.verity.protocol.receipt.SignedReceipt receipt, List<Tensor> outputs) implements io.verity.gateway.policy.Answer {
        @Override
        public io.verity.gateway.routing.NodeState node() {
            throw new UnsupportedOperationException("not compared");
        }

        @Override
        public io.verity.gateway.routing.Attempt attempt() {
            throw new UnsupportedOperationException("not compared");
        }
    }

    static final io.verity.protocol.crypto.NodeKey KEY = io.verity.protocol.crypto.NodeKey.generate(new java.security.SecureRandom());

    static Det det(String engine, List<Tensor> outputs) {
        var h = io.verity.protocol.Keccak256.hash(new byte[] {1});
        var r = new io.verity.protocol.receipt.Receipt(io.verity.protocol.receipt.Receipt.VERSION, h, h, engine, h,
                io.verity.protocol.tensor.TensorDigests.tensorsDigest(outputs), h, KEY.address(), io.verity.protocol.Keccak256.ZERO,
                io.verity.protocol.receipt.VerificationMode.NONE, java.math.BigInteger.ONE, 1L);
        return new Det(io.verity.protocol.receipt.SignedReceipt.sign(r, io.verity.protocol.receipt.Eip712Domain.LOCAL, KEY), outputs);
    }
}
