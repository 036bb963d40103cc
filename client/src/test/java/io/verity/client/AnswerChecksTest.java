package io.verity.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.client.UnverifiedAnswerException.Check;
import io.verity.protocol.wire.AnswerVerdict;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.math.BigInteger;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The gateway-only checks (model, agreement, verdict claims) and the gateway JSON reader, on answers signed
 * here with seeded keys: no gateway exists yet to produce them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AnswerChecksTest {
    static final Random SEEDED = new Random(42);
    static final NodeKey A = NodeKey.fromPrivateKey("0x" + "0a".repeat(32));
    static final NodeKey B = NodeKey.fromPrivateKey("0x" + "0b".repeat(32));
    static final Keccak256 REQUEST = Keccak256.hash(new byte[] {7});
    static final Keccak256 MODEL = Keccak256.hash(new byte[] {1});
    static final List<Tensor> INPUTS = List.of(Tensor.ofFloats("x", Shape.of(2), 1f, 2f));
    static final List<Tensor> OUTPUTS = List.of(Tensor.ofFloats("y", Shape.of(1), 0.25f));
    static final AnswerChecks CHECKS = new AnswerChecks(Eip712Domain.LOCAL, OptionalLong.empty());

    static SignedReceipt receipt(NodeKey key, Keccak256 model, List<Tensor> outputs) {
        return SignedReceipt.sign(new Receipt(1, REQUEST, model, "onnxruntime/1.29.0/cpu", TensorDigests.tensorsDigest(INPUTS),
                TensorDigests.tensorsDigest(outputs), Keccak256.ZERO, key.address(), Keccak256.ZERO, VerificationMode.NONE,
                BigInteger.ZERO, 1_764_000_000_000L + SEEDED.nextInt(1000)), Eip712Domain.LOCAL, key);
    }

    static ObjectNode gateway(String policy, String status, String comparison, int agreeing, SignedReceipt... receipts) {
        ObjectNode g = VerityClient.JSON.createObjectNode();
        g.put("requestId", REQUEST.toHex());
        g.put("model", "m");
        g.put("policy", policy);
        ArrayNode outs = g.putArray("outputs");
        OUTPUTS.forEach(t -> outs.add(TensorJson.write(t)));
        ArrayNode rs = g.putArray("receipts");
        for (SignedReceipt r : receipts) rs.add(ReceiptJson.write(r));
        g.putObject("verdict").put("status", status).put("asked", 3).put("agreeing", agreeing).put("comparison", comparison)
                .put("audit", "none").putArray("dissent");
        g.putArray("payments");
        return g;
    }

    static UnverifiedAnswerException refused(ObjectNode body, Policy asked) {
        return catchThrowableOfType(UnverifiedAnswerException.class,
                () -> CHECKS.verify(WireAnswer.read(body), asked, REQUEST, TensorDigests.tensorsDigest(INPUTS)));
    }

    @Test
    void an_agreeing_redundant_answer_passes() {
        VerifiedAnswer a = CHECKS.verify(WireAnswer.read(gateway("redundant:3", "majority", "bit-exact", 2,
                receipt(A, MODEL, OUTPUTS), receipt(B, MODEL, OUTPUTS))), new Policy.Redundant(3), REQUEST,
                TensorDigests.tensorsDigest(INPUTS));
        assertThat(a.verdict().status()).isEqualTo(AnswerVerdict.Status.MAJORITY);
        assertThat(a.modelDigest()).isEqualTo(MODEL);
    }

    @Test
    void receipts_for_two_models_fail_the_model_digest_check() {
        UnverifiedAnswerException e = refused(gateway("redundant:2", "agreed", "bit-exact", 2,
                receipt(A, MODEL, OUTPUTS), receipt(B, Keccak256.hash(new byte[] {2}), OUTPUTS)), new Policy.Redundant(2));
        assertThat(e.check()).isEqualTo(Check.MODEL_DIGEST);
        assertThat(e.node()).contains(B.address());
    }

    @Test
    void a_bit_exact_verdict_over_different_outputs_fails_the_agreement_check() {
        SignedReceipt other = receipt(B, MODEL, List.of(Tensor.ofFloats("y", Shape.of(1), 0.26f)));
        ObjectNode body = gateway("redundant:2", "agreed", "bit-exact", 2, receipt(A, MODEL, OUTPUTS), other);
        UnverifiedAnswerException e = refused(body, new Policy.Redundant(2));
        assertThat(e.check()).isEqualTo(Check.AGREEMENT);
        assertThat(e.receiptId()).contains(other.id());
        // under a tolerance the gateway vouches for closeness, which the client cannot recompute without B's outputs
        body.with("verdict").put("comparison", "tolerance:1e-3");
        assertThat(CHECKS.verify(WireAnswer.read(body), new Policy.Redundant(2), REQUEST, TensorDigests.tensorsDigest(INPUTS))
                .verdict().comparison()).isEqualTo(new AnswerVerdict.Comparison.Tolerance("1e-3"));
    }

    @Test
    void a_verdict_claiming_more_agreement_than_its_receipts_fails_the_quorum_check() {
        UnverifiedAnswerException e = refused(gateway("redundant:3", "agreed", "bit-exact", 3,
                receipt(A, MODEL, OUTPUTS), receipt(B, MODEL, OUTPUTS)), new Policy.Redundant(3));
        assertThat(e.check()).isEqualTo(Check.QUORUM);
        assertThat(e.getMessage()).isEqualTo("QUORUM: verdict claims 3 agreeing nodes but carries 2 receipts");
    }

    @Test
    void a_verdict_status_that_does_not_fit_the_policy_fails_the_policy_check() {
        UnverifiedAnswerException e = refused(gateway("sample:0.5", "agreed", "bit-exact", 1, receipt(A, MODEL, OUTPUTS)),
                new Policy.Sample(0.5));
        assertThat(e.check()).isEqualTo(Check.POLICY);
        assertThat(e.getMessage()).isEqualTo("POLICY: verdict.status agreed does not fit policy sample:0.5");
    }

    @Test
    void a_malformed_gateway_field_is_named_by_its_pointer() {
        ObjectNode body = gateway("redundant:2", "agreed", "bit-exact", 2, receipt(A, MODEL, OUTPUTS), receipt(B, MODEL, OUTPUTS));
        body.with("verdict").put("status", "unanimous");
        UnverifiedAnswerException e = refused(body, new Policy.Redundant(2));
        assertThat(e.check()).isEqualTo(Check.RESPONSE_FORMAT);
        assertThat(e.getMessage()).endsWith("/verdict/status: must be single, agreed, majority or sampled, got 'unanimous'");

        ObjectNode badReceipt = gateway("none", "single", "bit-exact", 1, receipt(A, MODEL, OUTPUTS));
        ((ObjectNode) badReceipt.get("receipts").get(0)).put("price", "-1");
        assertThat(refused(badReceipt, Policy.NONE).getMessage()).contains("/receipts/0/price: must be a decimal string of wei");
    }
}
