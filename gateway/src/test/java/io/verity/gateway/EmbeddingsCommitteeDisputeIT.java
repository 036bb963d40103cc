package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.devnet.CommitteeParams;
import io.verity.chain.devnet.DeployParams;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.EmbeddingDigests;
import io.verity.llm.EmbeddingDisputeEvidence;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.dispute.TraceClient;
import io.verity.node.fixture.EmbeddingNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.StrictJson;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Committee disputes on embeddings (issue 17): four ONNX Runtime nodes serve all-MiniLM-L6-v2, whose rule on chain
 * is a tolerance; node 1, the cheapest and so asked first, signs vectors moved by 0.05-0.1 % ({@link Faults#perturb()}).
 * Under {@code redundant:2} it is outvoted; the gateway disputes its receipt before a committee of the three others,
 * serving the embeddings evidence (request, applied settings, accused vectors) itself, and the members re-embed the
 * request and convict. Then an honest node's receipt, disputed with its true evidence, is cleared. The liar is
 * caught first: once outvoted it is quarantined.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddingsCommitteeDisputeIT {
    static final int LIAR = 1;
    static final int CHALLENGER = 6; // nodes are accounts 1-4, the gateway's client 5
    static final CommitteeParams PARAMS = CommitteeParams.defaults();
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
                return InferenceNode.start(c);
            })
            .gateway(g -> g.routing("latency=0,price=1,reputation=0")).build();
    @AutoClose static final HttpClient http = HttpClient.newHttpClient();
    static HttpServer evidenceServer;
    static volatile byte[] served;

    /** The model's rule, as its owner (the deployer) sets it before any answer: without one no committee can judge. */
    @BeforeAll
    static void registerRule() throws Exception {
        Keccak256 model = null;
        for (JsonNode m : get(net.node(2).url().resolve("/v1/models")).get("data")) {
            if (m.path("id").asText().equals(GatewayEmbeddingsIT.MODEL)) model = Keccak256.parse(m.get("verity_model_digest").asText());
        }
        assertThat(model).as("the nodes list %s", GatewayEmbeddingsIT.MODEL).isNotNull();
        try (ChainConnection owner = net.chain().connect(0)) {
            new ModelRegistryClient(owner, net.chain().deployment().modelRegistry()).register(model, "maven:"
                    + EmbeddingNode.MODEL.mavenCoordinates(), GatewayEmbeddingsIT.MODEL, "1", ComparisonRule.Tolerance.of(1e-6, 1e-4))
                    .confirmed();
        }
        evidenceServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        evidenceServer.createContext("/evidence", x -> {
            byte[] body = served;
            x.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) x.getResponseBody().write(body);
            x.close();
        });
        evidenceServer.start();
    }

    @AfterAll
    static void stopEvidence() {
        if (evidenceServer != null) evidenceServer.stop(0);
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
    @Order(1)
    void an_outvoted_embeddings_liar_is_disputed_by_the_gateway_and_convicted_by_members_that_re_embed_the_request() throws Exception {
        EvmAddress liar = net.node(LIAR).address();
        try (ChainConnection reader = net.chain().connect(0)) {
            BigInteger before = registry(reader).stakeOf(liar);

            JsonNode answer = redundant("Take the liar to a committee");
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

    @Test
    @Order(2)
    void an_honest_nodes_embeddings_receipt_disputed_with_its_true_evidence_is_cleared() throws Exception {
        JsonNode answer = redundant("Leave the honest alone");
        List<SignedReceipt> agreeing = new java.util.ArrayList<>();
        answer.at("/verity/receipts").forEach(r -> agreeing.add(ReceiptJson.read(r, "")));
        SignedReceipt receipt = agreeing.stream().filter(r -> !r.receipt().node().equals(net.node(LIAR).address()))
                .findFirst().orElseThrow();
        ObjectNode request = (ObjectNode) StrictJson.standard().read(("{\"model\":\"" + GatewayEmbeddingsIT.MODEL
                + "\",\"input\":\"Leave the honest alone\"}").getBytes(StandardCharsets.UTF_8));
        EmbeddingDisputeEvidence truth = new EmbeddingDisputeEvidence(request, (ObjectNode) answer.at("/verity/applied"),
                EmbeddingDigests.outputs(answer));
        assertThat(truth.mismatch(receipt.receipt().inputsDigest(), receipt.receipt().outputsDigest())).isEmpty();
        served = truth.write().toString().getBytes(StandardCharsets.UTF_8);
        InferenceNode honest = net.nodes().stream().filter(n -> n.address().equals(receipt.receipt().node())).findFirst().orElseThrow();
        TraceClient tc = new TraceClient(honest.url());
        TraceClient.Inclusion inc = await("receipt settled").atMost(RESOLUTION).pollInterval(Duration.ofMillis(100))
                .until(() -> tc.inclusion(receipt.id()).orElse(null), i -> i != null);
        try (ChainConnection me = net.chain().connect(CHALLENGER)) {
            BigInteger before = registry(me).stakeOf(honest.address());
            CommitteeClient disputes = new CommitteeClient(me, net.chain().deployment().requireCommitteeDisputes());
            URI at = URI.create("http://127.0.0.1:" + evidenceServer.getAddress().getPort() + "/evidence");
            disputes.open(receipt, inc.batchId(), inc.proof(), Keccak256.hash(new byte[] {17}), at, PARAMS.minBond()).confirmed();
            net.chain().mine(PARAMS.drawDelay() + 1); // past the seed block: draw needs its hash

            CommitteeDispute end = resolved(disputes, receipt.id());
            assertThat(end.state()).isEqualTo(CommitteeDispute.State.NODE_WON);
            assertThat(registry(me).stakeOf(honest.address())).isEqualTo(before);
            assertThat(disputes.convicted(receipt.id())).isFalse();
        }
    }
}
