package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.node.fixture.VadNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.TensorDigests;
import java.net.http.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node with {@code perturb = 1} lies on every answer but signs the lie, as a byzantine node in a fault test
 * would; an honest node on the same model answers the same request identically. Also: the infer request's
 * {@code verification} field goes into the signed receipt. Real nodes, real Silero VAD, no chain.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FaultyNodeIT {
    @RegisterExtension static final VadNode liar = VadNode.of(c -> c.withFaults(Faults.NONE.withPerturb(1)));
    @RegisterExtension static final VadNode honest = VadNode.of();
    final HttpClient http = HttpClient.newHttpClient();

    @AfterAll
    void stop() {
        http.close();
    }

    record Answer(SignedReceipt receipt, Keccak256 digestOfOutputs) {}

    Answer infer(VadNode node, String body) throws Exception {
        var r = NodeFixture.post(http, node.url(), "/v1/infer", body, "application/json");
        assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
        SignedReceipt receipt = ReceiptJson.read(r.body().get("receipt"), "/receipt");
        return new Answer(receipt, TensorDigests.tensorsDigest(TensorJson.readList(r.body().get("outputs"), "/outputs")));
    }

    static String withVerification(String request, String mode) {
        return request.replaceFirst("^\\{", "{\"verification\":\"" + mode + "\",");
    }

    @Test
    void a_perturbing_node_signs_a_different_answer_each_time_and_each_receipt_still_verifies() throws Exception {
        String request = NodeFixture.vadRequest(Keccak256.hash("same-request".getBytes()).toHex());
        Answer first = infer(liar, request);
        Answer second = infer(liar, request);
        Answer truth = infer(honest, request);
        Answer truthAgain = infer(honest, request);

        assertThat(truth.receipt().receipt().outputsDigest()).isEqualTo(truthAgain.receipt().receipt().outputsDigest());
        assertThat(first.receipt().receipt().outputsDigest())
                .isNotEqualTo(second.receipt().receipt().outputsDigest())
                .isNotEqualTo(truth.receipt().receipt().outputsDigest());
        for (Answer a : new Answer[] {first, second}) {
            assertThat(a.receipt().verify()).isInstanceOf(ReceiptVerdict.Verified.class);
            assertThat(a.receipt().receipt().node()).isEqualTo(liar.address());
            // The lie is what it signed: the returned outputs hash to the signed digest.
            assertThat(a.receipt().receipt().outputsDigest()).isEqualTo(a.digestOfOutputs());
        }
        assertThat(first.receipt().receipt().inputsDigest()).isEqualTo(truth.receipt().receipt().inputsDigest());
    }

    @Test
    void the_requested_verification_mode_is_signed_into_the_receipt() throws Exception {
        assertThat(infer(honest, NodeFixture.vadRequest(null)).receipt().receipt().verification())
                .isEqualTo(VerificationMode.NONE);
        for (VerificationMode m : VerificationMode.values()) {
            Answer a = infer(honest, withVerification(NodeFixture.vadRequest(null), m.wireName()));
            assertThat(a.receipt().receipt().verification()).isEqualTo(m);
            assertThat(a.receipt().verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        }
    }

    @Test
    void an_unknown_verification_mode_is_a_400_naming_the_field() throws Exception {
        var r = NodeFixture.post(http, honest.url(), "/v1/infer", withVerification(NodeFixture.vadRequest(null), "replay"),
                "application/json");
        NodeApiIT.assertProblem(r, 400, "invalid-request");
        var e = NodeApiIT.onlyError(r);
        assertThat(e.get("pointer").asText()).isEqualTo("/verification");
        assertThat(e.get("detail").asText())
                .isEqualTo("unknown verification mode 'replay', expected one of none, tee, redundant, sample, optimistic");
    }

    @Test
    void a_node_without_a_chain_accepts_no_vouchers() throws Exception {
        var r = NodeFixture.post(http, honest.url(), "/v1/vouchers", "{}", "application/json");
        NodeApiIT.assertProblem(r, 409, "no-chain");
        assertThat(r.body().get("detail").asText()).isEqualTo("this node does not settle on a chain; it accepts no vouchers");
        NodeApiIT.assertProblem(NodeFixture.get(http, honest.url(), "/v1/vouchers/0x" + "11".repeat(20)), 409, "no-chain");
    }
}
