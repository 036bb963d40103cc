package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.devnet.DeployParams;
import io.verity.engine.det.DeterministicEngine;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.EmbeddingDigests;
import io.verity.llm.EmbeddingDisputeEvidence;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.NodeMain;
import io.verity.node.fixture.EmbeddingNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Committee disputes on embeddings (issue 17): four nodes serve all-MiniLM-L6-v2, whose rule on chain is
 * {@code bit-exact}, nodes 1-3 with ONNX Runtime and node 4 with the deterministic engine; node 1, the cheapest and so
 * asked first, signs vectors moved by 0.05-0.1 % ({@link Faults#perturb()}). Under {@code redundant:2} it is
 * outvoted; the gateway disputes its receipt before a committee of the three others, serving the embeddings evidence
 * (request, applied settings, accused vectors) itself, and the members re-embed the request and convict. Then the
 * det node's honest answer, outvoted by ONNX Runtime's bits, is disputed by the gateway too and cleared by members
 * that serve the model with ONNX Runtime: they re-embed under the receipt's contract. The liar is outvoted before
 * either test ({@link #ruleThenTheLiarOutvoted}): once outvoted it is quarantined, so the tests run in any order.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EmbeddingsCommitteeDisputeIT {
    static final int LIAR = 1;
    static final int DET = 4; // serves with the deterministic engine (verity-det/3), the others with ONNX Runtime
    static final Duration RESOLUTION = Duration.ofSeconds(60);

    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(4).withoutVad().batching(1, Duration.ofMillis(100))
            .node((i, c) -> {
                c = c.withPrice(GatewayEmbeddingsIT.PRICE_PER_TOKEN.multiply(BigInteger.valueOf(i)));
                return i != LIAR ? c : c.withFaults(Faults.NONE.withPerturb(1.0))
                        // enough stake to stay active after the slash, so it keeps settling
                        .withChainSettings(c.chain().orElseThrow().withStake(DeployParams.ETHER.multiply(BigInteger.valueOf(4))));
            })
            .starter((i, c) -> {
                EmbeddingNode.install(c.home());
                if (i != DET) return InferenceNode.start(c);
                return InferenceNode.start(NodeMain.parse(new String[] {"--home", c.home().toString(), "--host", "127.0.0.1",
                        "--port", "0", "--engine", "det"}).withPrice(c.price()).withChainSettings(c.chain().orElseThrow()));
            })
            .gateway(g -> g.routing("latency=0,price=1,reputation=0")).build();
    @AutoClose static final HttpClient http = HttpClient.newHttpClient();

    /** The liar's stake before it was outvoted, and the answer that outvoted it. */
    static BigInteger liarStakeBefore;
    static JsonNode outvoting;

    /**
     * Before either test: the model's rule, then the liar outvoted. Once outvoted it is quarantined, so the second
     * test's request reaches the det node whichever test runs first.
     */
    @BeforeAll
    static void ruleThenTheLiarOutvoted() throws Exception {
        registerRule();
        try (ChainConnection reader = net.chain().connect(0)) {
            liarStakeBefore = registry(reader).stakeOf(net.node(LIAR).address());
        }
        outvoting = redundant("Take the liar to a committee");
    }

    /** The model's rule, as its owner (the deployer) sets it before any answer: without one no committee can judge. */
    static void registerRule() throws Exception {
        Keccak256 model = null;
        for (JsonNode m : get(net.node(2).url().resolve("/v1/models")).get("data")) {
            if (m.path("id").asText().equals(GatewayEmbeddingsIT.MODEL)) model = Keccak256.parse(m.get("verity_model_digest").asText());
        }
        assertThat(model).as("the nodes list %s", GatewayEmbeddingsIT.MODEL).isNotNull();
        try (ChainConnection owner = net.chain().connect(0)) {
            new ModelRegistryClient(owner, net.chain().deployment().modelRegistry()).register(model, "maven:"
                    + EmbeddingNode.MODEL.mavenCoordinates(), GatewayEmbeddingsIT.MODEL, "1", ComparisonRule.BIT_EXACT)
                    .confirmed();
        }
    }

    static JsonNode get(URI uri) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("%s: %s", uri, new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return StrictJson.standard().read(r.body());
    }

    static JsonNode redundant(String text) throws Exception {
        return GatewayEmbeddingsIT.post(http, net.gateway(), "{\"model\":\"" + GatewayEmbeddingsIT.MODEL + "\",\"input\":\"" + text
                + "\"}", "redundant:2");
    }

    static NodeRegistryClient registry(ChainConnection c) {
        return new NodeRegistryClient(c, net.chain().deployment().nodeRegistry());
    }

    static CommitteeDispute resolved(CommitteeClient disputes, Keccak256 receipt) {
        return await("the committee dispute on " + receipt + " resolved").atMost(RESOLUTION).pollInterval(Duration.ofMillis(250))
                .until(() -> CommitteeFeedIT.find(disputes, receipt), d -> d.isPresent() && d.get().state().finished()).orElseThrow();
    }

    @Test
    void an_outvoted_embeddings_liar_is_disputed_by_the_gateway_and_convicted_by_members_that_re_embed_the_request() throws Exception {
        EvmAddress liar = net.node(LIAR).address();
        try (ChainConnection reader = net.chain().connect(0)) {
            BigInteger before = liarStakeBefore;
            JsonNode answer = outvoting;
            assertThat(answer.at("/verity/verdict/status").asText()).as("%s", answer.at("/verity/verdict")).isEqualTo("majority");
            SignedReceipt accused = net.gateway().evidence().stream()
                    .filter(e -> e.kind() == EvidenceLog.Kind.MINORITY && e.node().equals(liar)).findFirst()
                    .orElseThrow(() -> new AssertionError("no minority evidence against the liar")).accused().getFirst();

            CommitteeClient disputes = new CommitteeClient(reader, net.chain().deployment().requireCommitteeDisputes());
            CommitteeDispute end = resolved(disputes, accused.id());
            assertThat(end.state()).isEqualTo(CommitteeDispute.State.CHALLENGER_WON);
            assertThat(end.challenger()).isEqualTo(net.gateway().clientAccount().orElseThrow());
            assertThat(disputes.committee(end.id())).hasSize(3).doesNotContain(liar);
            for (EvmAddress m : disputes.committee(end.id())) assertThat(disputes.voteOf(end.id(), m)).as("vote of %s", m).isEqualTo(2);
            assertThat(disputes.convicted(accused.id())).isTrue();
            assertThat(registry(reader).stakeOf(liar)).isLessThan(before);

            // what the members judged: the embeddings evidence the gateway serves, the very request and the lie
            EmbeddingDisputeEvidence shown = EmbeddingDisputeEvidence.read(get(end.inputsUri()));
            assertThat(end.inputsUri().toString()).startsWith(net.gateway().url().toString());
            assertThat(shown.mismatch(accused.receipt().inputsDigest(), accused.receipt().outputsDigest())).isEmpty();
            assertThat(shown.request().get("input").asText()).isEqualTo("Take the liar to a committee");
            assertThat(shown.outputs()).isNotEqualTo(EmbeddingDigests.outputs(answer));
        }
    }

    /**
     * Misconfigured on purpose: a bit-exact rule for a model served by two engines. Under {@code redundant:3} the det
     * node's honest answer is outvoted by two ONNX Runtime answers, and the gateway disputes it; the committee (ONNX
     * Runtime nodes, the liar among them, honest as a member) re-embeds under the receipt's contract and clears it.
     */
    @Test
    void an_honest_det_nodes_outvoted_receipt_is_cleared_by_members_that_re_embed_under_its_contract() throws Exception {
        EvmAddress det = net.node(DET).address();
        try (ChainConnection reader = net.chain().connect(0)) {
            BigInteger before = registry(reader).stakeOf(det);

            JsonNode answer = GatewayEmbeddingsIT.post(http, net.gateway(), "{\"model\":\"" + GatewayEmbeddingsIT.MODEL
                    + "\",\"input\":\"Leave the honest alone\"}", "redundant:3");
            assertThat(answer.at("/verity/verdict/dissent/0/node").asText()).as("%s", answer.at("/verity/verdict"))
                    .isEqualTo(det.toString());
            EvidenceLog.Entry outvoted = net.gateway().evidence().stream()
                    .filter(e -> e.kind() == EvidenceLog.Kind.MINORITY && e.node().equals(det)).findFirst()
                    .orElseThrow(() -> new AssertionError("no minority evidence against the det node"));
            SignedReceipt accused = outvoted.accused().getFirst();
            assertThat(accused.receipt().engine()).isEqualTo(DeterministicEngine.ID_V3);
            assertThat(outvoted.majority().getFirst().receipt().outputsDigest()).as("ONNX Runtime's bits are not the "
                    + "contract's: a member re-running with it would convict").isNotEqualTo(accused.receipt().outputsDigest());

            CommitteeClient disputes = new CommitteeClient(reader, net.chain().deployment().requireCommitteeDisputes());
            CommitteeDispute end = resolved(disputes, accused.id());
            assertThat(end.state()).isEqualTo(CommitteeDispute.State.NODE_WON);
            assertThat(EmbeddingDisputeEvidence.read(get(end.inputsUri())).request().get("input").asText())
                    .isEqualTo("Leave the honest alone");
            for (EvmAddress m : disputes.committee(end.id())) assertThat(disputes.voteOf(end.id(), m)).as("vote of %s", m).isEqualTo(1);
            assertThat(registry(reader).stakeOf(det)).isEqualTo(before);
            assertThat(disputes.convicted(accused.id())).isFalse();
        }
    }
}
