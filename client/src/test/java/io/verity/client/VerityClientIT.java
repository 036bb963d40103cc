package io.verity.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.client.UnverifiedAnswerException.Check;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.fixture.VadNode;
import io.verity.protocol.wire.Payment;
import io.verity.protocol.wire.AnswerVerdict;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import io.verity.testing.RealInputs;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SDK against two real nodes running Silero VAD v5: honest answers verify, in the node's shape and in the
 * gateway's; every tampered answer a {@link TamperingProxy} produces from a real node's answer is refused with
 * the check that caught it; refusals and dead ports surface as their own exception types.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class VerityClientIT {
    @RegisterExtension static final VadNode nodeA = VadNode.of();
    @RegisterExtension static final VadNode nodeB = VadNode.of();
    static final List<Tensor> INPUTS = RealInputs.sileroVadV5(7);

    TamperingProxy proxy;
    VerityClient viaProxy;

    @BeforeEach
    void startProxy() throws Exception {
        proxy = new TamperingProxy();
        viaProxy = client(proxy.url());
    }

    @AfterEach
    void stopProxy() {
        viaProxy.close();
        proxy.close();
    }

    static VerityClient client(URI url) {
        return VerityClient.builder(url).trust(Eip712Domain.LOCAL).timeout(Duration.ofSeconds(20)).build();
    }

    /** The client's request body as the node accepts it (a node refuses unknown fields such as policy). */
    static JsonNode nodeBody(JsonNode clientBody) {
        return clientBody.deepCopy();
    }

    /** Builds a gateway answer (docs/gateway.md) from node answers that all carry the same outputs. */
    static ObjectNode gatewayAnswer(String policy, String status, JsonNode outputs, List<JsonNode> receipts) {
        ObjectNode g = TamperingProxy.JSON.createObjectNode();
        g.put("requestId", receipts.getFirst().get("requestId").asText());
        g.put("model", StakedNodes.VAD);
        g.put("policy", policy);
        g.set("outputs", outputs);
        ArrayNode rs = g.putArray("receipts");
        receipts.forEach(rs::add);
        ObjectNode v = g.putObject("verdict");
        v.put("status", status);
        v.put("asked", receipts.size());
        v.put("agreeing", receipts.size());
        v.put("comparison", "bit-exact");
        v.putArray("dissent");
        v.put("audit", "none");
        ArrayNode pays = g.putArray("payments");
        for (JsonNode r : receipts) {
            pays.addObject().put("node", r.get("node").asText()).put("amount", "1000").put("cumulativeAmount", "5000");
        }
        g.putArray("attempts");
        return g;
    }

    /** The proxy answers in the gateway's shape, claiming {@code policy} and {@code status}, with node A's lone receipt. */
    void answerAloneAs(String policy, String status) {
        proxy.handler(req -> {
            JsonNode a = proxy.forward(nodeA.url(), "/v1/infer", req.body());
            return TamperingProxy.Reply.json(gatewayAnswer(policy, status, a.get("outputs"), List.of(a.get("receipt"))));
        });
    }

    /** Node A's answer alone, labelled {@code policy}/{@code status}, asked under {@code asked}: refused so. */
    void assertAloneRefused(String policy, String status, Policy asked, Check check, String message) {
        answerAloneAs(policy, status);
        UnverifiedAnswerException e = refused(viaProxy, asked);
        assertThat(e.check()).isEqualTo(check);
        assertThat(e.getMessage()).isEqualTo(message);
    }

    static UnverifiedAnswerException refused(VerityClient client, Policy policy) {
        return catchThrowableOfType(UnverifiedAnswerException.class, () -> client.infer(StakedNodes.VAD, INPUTS, policy));
    }

    @Test
    void a_real_nodes_answer_verifies_and_carries_its_receipt() {
        try (VerityClient verity = client(nodeA.url())) {
            VerifiedAnswer a = verity.infer(StakedNodes.VAD, INPUTS, Policy.NONE);
            assertThat(a.policy()).isEqualTo(Policy.NONE);
            assertThat(a.verdict()).isEqualTo(AnswerVerdict.single());
            assertThat(a.payments()).isEmpty();
            assertThat(a.receipts()).hasSize(1);
            SignedReceipt r = a.receipts().getFirst();
            assertThat(r.receipt().node()).isEqualTo(nodeA.address());
            assertThat(r.receipt().requestId()).isEqualTo(a.requestId());
            assertThat(r.receipt().inputsDigest()).isEqualTo(TensorDigests.tensorsDigest(INPUTS));
            assertThat(r.receipt().modelDigest()).isEqualTo(RealModelsDigest.VAD_V5);
            assertThat(a.output("output").shape()).isEqualTo(Shape.of(1, 1));
            float p = a.output("output").floats()[0];
            assertThat(p).isBetween(0f, 1f);
        }
    }

    @Test
    void the_callers_request_id_is_sent_and_signed() {
        Keccak256 id = Keccak256.hash("the callers request".getBytes());
        try (VerityClient verity = client(nodeA.url())) {
            VerifiedAnswer a = verity.infer(StakedNodes.VAD, INPUTS, Policy.NONE, id);
            assertThat(a.requestId()).isEqualTo(id);
            assertThat(a.receipts().getFirst().receipt().requestId()).isEqualTo(id);
        }
    }

    @Test
    void a_gateway_shaped_redundant_answer_from_two_real_nodes_verifies() {
        proxy.handler(req -> {
            assertThat(req.policyHeader()).isEqualTo("redundant:2");
            JsonNode a = proxy.forward(nodeA.url(), "/v1/infer", nodeBody(req.body()));
            JsonNode b = proxy.forward(nodeB.url(), "/v1/infer", nodeBody(req.body()));
            return TamperingProxy.Reply.json(gatewayAnswer("redundant:2", "agreed", a.get("outputs"),
                    List.of(a.get("receipt"), b.get("receipt"))));
        });
        VerifiedAnswer a = viaProxy.infer(StakedNodes.VAD, INPUTS, new Policy.Redundant(2));
        assertThat(a.policy()).isEqualTo(new Policy.Redundant(2));
        assertThat(a.receipts()).extracting(r -> r.receipt().node()).containsExactly(nodeA.address(), nodeB.address());
        assertThat(a.verdict().status()).isEqualTo(AnswerVerdict.Status.AGREED);
        assertThat(a.verdict().comparison()).isEqualTo(AnswerVerdict.Comparison.BIT_EXACT);
        assertThat(a.payments()).extracting(Payment::node).containsExactly(nodeA.address(), nodeB.address());
        assertThat(a.payments().getFirst().cumulativeAmount()).isEqualTo(5000);
    }

    @Test
    void a_flipped_output_value_fails_the_outputs_digest_check() {
        proxy.handler(req -> {
            ObjectNode answer = (ObjectNode) proxy.forward(nodeA.url(), "/v1/infer", req.body());
            Tensor out = TensorJson.read(answer.get("outputs").get(0), "/outputs/0");
            float[] v = out.floats();
            v[0] = 1 - v[0]; // speech becomes silence
            ((ArrayNode) answer.get("outputs")).set(0, TensorJson.write(Tensor.ofFloats(out.name(), out.shape(), v)));
            return TamperingProxy.Reply.json(answer);
        });
        UnverifiedAnswerException e = refused(viaProxy, Policy.NONE);
        assertThat(e.check()).isEqualTo(Check.OUTPUTS_DIGEST);
        assertThat(e.node()).contains(nodeA.address());
        assertThat(e.receiptId()).isPresent();
        assertThat(e.getMessage()).startsWith("OUTPUTS_DIGEST of receipt " + e.receiptId().get() + " from node " + nodeA.address()
                + ": receipt signed outputsDigest ");
    }

    @Test
    void a_signature_swapped_from_another_receipt_fails_the_signature_check() {
        proxy.handler(req -> {
            ObjectNode answer = (ObjectNode) proxy.forward(nodeA.url(), "/v1/infer", req.body());
            ObjectNode other = (ObjectNode) req.body().deepCopy();
            other.put("requestId", Keccak256.hash(new byte[] {1}).toHex());
            String foreignSig = proxy.forward(nodeA.url(), "/v1/infer", other).get("receipt").get("signature").asText();
            ((ObjectNode) answer.get("receipt")).put("signature", foreignSig);
            return TamperingProxy.Reply.json(answer);
        });
        UnverifiedAnswerException e = refused(viaProxy, Policy.NONE);
        assertThat(e.check()).isEqualTo(Check.SIGNATURE);
        assertThat(e.getMessage()).contains("SIGNER: signature recovers to ").contains("expected receipt.node " + nodeA.address());
    }

    @Test
    void inputs_changed_in_transit_fail_the_inputs_digest_check() {
        proxy.handler(req -> {
            ObjectNode body = (ObjectNode) req.body().deepCopy();
            ArrayNode inputs = TamperingProxy.JSON.createArrayNode();
            for (Tensor t : RealInputs.sileroVadV5(8)) inputs.add(TensorJson.writeCompact(t)); // other audio
            body.set("inputs", inputs);
            return TamperingProxy.Reply.json(proxy.forward(nodeA.url(), "/v1/infer", body));
        });
        UnverifiedAnswerException e = refused(viaProxy, Policy.NONE);
        assertThat(e.check()).isEqualTo(Check.INPUTS_DIGEST);
        assertThat(e.getMessage()).endsWith(", the inputs this client sent hash to " + TensorDigests.tensorsDigest(INPUTS));
    }

    @Test
    void a_receipt_for_another_request_id_fails_the_request_id_check() {
        proxy.handler(req -> {
            ObjectNode body = (ObjectNode) req.body().deepCopy();
            body.put("requestId", Keccak256.ZERO.toHex()); // an old answer replayed for the same inputs
            return TamperingProxy.Reply.json(proxy.forward(nodeA.url(), "/v1/infer", body));
        });
        assertThat(refused(viaProxy, Policy.NONE).check()).isEqualTo(Check.REQUEST_ID);
    }

    @Test
    void a_gateway_that_downgrades_redundant_to_none_is_refused() {
        assertAloneRefused("none", "single", new Policy.Redundant(2), Check.POLICY,
                "POLICY: asked for redundant:2, the answer was produced under none");
    }

    @Test
    void a_plain_node_asked_for_redundancy_is_refused_because_it_answers_alone() {
        try (VerityClient verity = client(nodeA.url())) {
            assertThat(refused(verity, new Policy.Redundant(3)).check()).isEqualTo(Check.POLICY);
        }
    }

    @Test
    void two_receipts_from_one_node_do_not_make_redundant_2() {
        proxy.handler(req -> {
            JsonNode first = proxy.forward(nodeA.url(), "/v1/infer", req.body());
            JsonNode again = proxy.forward(nodeA.url(), "/v1/infer", req.body()); // same node, same request, new timestamp
            return TamperingProxy.Reply.json(gatewayAnswer("redundant:2", "agreed", first.get("outputs"),
                    List.of(first.get("receipt"), again.get("receipt"))));
        });
        UnverifiedAnswerException e = refused(viaProxy, new Policy.Redundant(2));
        assertThat(e.check()).isEqualTo(Check.DISTINCT_SIGNERS);
        assertThat(e.node()).contains(nodeA.address());
    }

    @Test
    void a_redundant_answer_below_quorum_is_refused() {
        assertAloneRefused("redundant:3", "majority", new Policy.Redundant(3), Check.QUORUM,
                "QUORUM: redundant:3 needs between 2 and 3 agreeing receipts, got 1");
    }

    @Test
    void receipts_signed_for_another_chain_fail_the_domain_check() {
        try (VerityClient verity = VerityClient.builder(nodeA.url()).trust(Eip712Domain.verity(1, EvmAddress.ZERO)).build()) {
            assertThat(refused(verity, Policy.NONE).check()).isEqualTo(Check.DOMAIN);
        }
        try (VerityClient verity = VerityClient.builder(nodeA.url()).chainId(1).build()) {
            assertThat(refused(verity, Policy.NONE).check()).isEqualTo(Check.DOMAIN);
        }
        try (VerityClient verity = VerityClient.builder(nodeA.url()).chainId(Eip712Domain.LOCAL_CHAIN_ID).build()) {
            assertThat(verity.infer(StakedNodes.VAD, INPUTS, Policy.NONE).receipts()).hasSize(1);
        }
    }

    @Test
    void a_body_that_is_not_an_answer_fails_the_response_format_check() {
        proxy.handler(req -> TamperingProxy.Reply.json(TamperingProxy.JSON.createObjectNode().put("outputs", "yes")));
        UnverifiedAnswerException e = refused(viaProxy, Policy.NONE);
        assertThat(e.check()).isEqualTo(Check.RESPONSE_FORMAT);
        assertThat(e.getMessage()).contains("/outputs");
    }

    @Test
    void a_bad_request_surfaces_as_a_problem_naming_the_field() {
        List<Tensor> twice = new ArrayList<>(INPUTS);
        twice.add(INPUTS.getFirst()); // a second tensor named "input"
        try (VerityClient verity = client(nodeA.url())) {
            ProblemException e = catchThrowableOfType(ProblemException.class, () -> verity.infer(StakedNodes.VAD, twice, Policy.NONE));
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.type()).isEqualTo("urn:verity:problem:invalid-request");
            assertThat(e.errors()).extracting(FieldError::pointer).containsExactly("/inputs/3/name");
            assertThat(e.getMessage()).startsWith("server answered 400 ");

            ProblemException unknown = catchThrowableOfType(ProblemException.class,
                    () -> verity.infer("no-such-model", INPUTS, Policy.NONE));
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.title()).isEqualTo("Unknown model");
        }
    }

    @Test
    void a_dead_port_is_unreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there now
        }
        URI dead = URI.create("http://127.0.0.1:" + port);
        try (VerityClient verity = client(dead)) {
            assertThatThrownBy(() -> verity.infer(StakedNodes.VAD, INPUTS, Policy.NONE))
                    .isInstanceOfSatisfying(UnreachableException.class, e -> assertThat(e.target()).isEqualTo(dead.resolve("/v1/infer")))
                    .hasMessageStartingWith("cannot reach " + dead + "/v1/infer: ");
        }
    }

    @Test
    void an_honest_receipt_read_back_through_the_codec_still_verifies() {
        try (VerityClient verity = client(nodeB.url())) {
            SignedReceipt r = verity.infer(StakedNodes.VAD, INPUTS, Policy.NONE).receipts().getFirst();
            assertThat(ReceiptJson.read(ReceiptJson.write(r), "")).isEqualTo(r);
        }
    }

    /** The digest of the model file the nodes serve, computed independently of the hub. */
    static final class RealModelsDigest {
        static final Keccak256 VAD_V5 = io.verity.testing.RealModels.sileroVadV5().digest();
    }
}
