package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.engine.EngineKind;
import io.verity.engine.det.DeterministicEngine;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.InferenceNode;
import io.verity.node.NodeMain;
import io.verity.node.fixture.EmbeddingNode;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.testing.RealInputs;
import io.verity.testing.RealModel;
import io.verity.testing.RealModels;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issues 17 and 15 on a live network. Two nodes configured by {@code verity node start}'s flags with
 * {@code --engine det} (parsed by {@link NodeMain#parse}, the parser the command forwards to) answer a
 * {@code redundant:2} request bit for bit alike. A model added to a running node's hub (as {@code verity model add
 * --home NODE_HOME} does, here with {@code --engine onnxruntime}) is registered on chain and routed by the gateway
 * within its refresh, while one the node's det engine cannot run stays out of the registration; once removed, the
 * registration drops it and the gateway stops routing it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EngineAndLiveModelsIT {
    static final RealModel ADDED = RealModels.paddleOcrCls();
    static final java.nio.file.Path BERNOULLI = java.nio.file.Path.of("/usr/share/libonnx-testdata/data/node/test_bernoulli/model.onnx");
    static final Duration ROUTED_WITHIN = Duration.ofSeconds(30); // batcher step + one mined update + one refresh

    @RegisterExtension
    static final LocalNetwork net = LocalNetwork.builder().nodes(2)
            .starter((i, c) -> {
                EmbeddingNode.install(c.home()); // all-MiniLM-L6-v2 beside Silero VAD: both run on det
                return InferenceNode.start(NodeMain.parse(new String[] {"--home", c.home().toString(), "--host", "127.0.0.1",
                        "--port", "0", "--engine", "det"}).withChainSettings(c.chain().orElseThrow()));
            })
            .build();

    static HttpClient http;

    @BeforeAll
    static void start() {
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
    }

    @Test
    void two_nodes_started_with_engine_det_agree_bit_for_bit_under_redundant_2() throws Exception {
        GatewayIT.Response r = GatewayIT.post(http, net.gateway(), GatewayIT.vadRequest("redundant:2"));

        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        List<SignedReceipt> receipts = GatewayIT.receipts(r.body());
        assertThat(receipts).hasSize(2);
        assertThat(receipts).allSatisfy(s -> assertThat(s.receipt().engine()).isEqualTo(DeterministicEngine.ID_V3));
        assertThat(receipts.get(0).receipt().node()).isNotEqualTo(receipts.get(1).receipt().node());
        assertThat(receipts.get(0).receipt().outputsDigest()).isEqualTo(receipts.get(1).receipt().outputsDigest());
    }

    /** Issue 17, "done when": a node started with {@code --engine det} serves embeddings bit-exactly under redundant:2. */
    @Test
    void embeddings_from_two_det_nodes_are_compared_bit_for_bit_under_redundant_2() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(net.gateway().url().resolve("/v1/embeddings"))
                .header("Content-Type", "application/json").header("Verity-Policy", "redundant:2")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + EmbeddingNode.MODEL.modelName()
                        + "\",\"input\":\"Hello world\"}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode verity = GatewayIT.JSON.readTree(r.body()).get("verity");
        assertThat(verity.at("/verdict/status").asText()).as("%s", verity.get("verdict")).isEqualTo("agreed");
        assertThat(verity.at("/verdict/comparison").asText()).isEqualTo("bit-exact");
        assertThat(verity.get("receipts")).hasSize(2).allSatisfy(
                j -> assertThat(ReceiptJson.read(j, "").receipt().engine()).isEqualTo(DeterministicEngine.ID_V3));
    }

    @Test
    void a_model_added_to_a_running_node_is_registered_and_routed_and_stops_being_routed_once_removed() throws Exception {
        InferenceNode node = net.node(1);
        ModelHub hub = new ModelHub(node.config().home().resolve("models"));
        try (ChainConnection c = net.chain().connect(0)) {
            NodeRegistryClient registry = new NodeRegistryClient(c, net.chain().deployment().nodeRegistry());
            List<Keccak256> before = registry.node(node.address()).orElseThrow().models();
            // first, one the node's det engine cannot run (Bernoulli: random, so never deterministic): it must stay out of the registration the next add causes
            Optional<Manifest> unrunnable = java.nio.file.Files.isRegularFile(BERNOULLI)
                    ? Optional.of(hub.add(BERNOULLI, "bernoulli", "1", null, null)) : Optional.empty();
            Manifest added = hub.add(ADDED.file(), ADDED.name(), ADDED.version(), ADDED.license(), ADDED.source(),
                    Optional.of(EngineKind.ONNXRUNTIME));

            await("the gateway routes " + ADDED.name()).atMost(ROUTED_WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> clsRequest().status() == 200);
            assertThat(registry.node(node.address()).orElseThrow().models()).contains(added.digest());
            unrunnable.ifPresent(m -> assertThat(registry.node(node.address()).orElseThrow().models()).doesNotContain(m.digest()));
            GatewayIT.Response r = clsRequest();
            SignedReceipt receipt = GatewayIT.receipts(r.body()).getFirst();
            assertThat(receipt.receipt().node()).isEqualTo(node.address());
            assertThat(receipt.receipt().modelDigest()).isEqualTo(added.digest());
            assertThat(receipt.receipt().engine()).as("the manifest's engine, not the node's det").startsWith("onnxruntime/");

            hub.remove(added.ref());
            unrunnable.ifPresent(m -> hub.remove(m.ref()));
            await("NodeRegistry drops " + ADDED.name()).atMost(ROUTED_WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> !registry.node(node.address()).orElseThrow().models().contains(added.digest()));
            await("the gateway stops routing " + ADDED.name()).atMost(ROUTED_WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> clsRequest().status() != 200);
            assertThat(clsRequest().status()).isBetween(400, 599);
            assertThat(registry.node(node.address()).orElseThrow().models()).containsExactlyInAnyOrderElementsOf(before);
        }
    }

    static GatewayIT.Response clsRequest() throws Exception {
        ObjectNode body = GatewayIT.JSON.createObjectNode().put("model", ADDED.name());
        RealInputs.paddleOcrCls("verity").forEach(t -> body.withArray("inputs").add(TensorJson.writeCompact(t)));
        return GatewayIT.post(http, net.gateway(), body.toString());
    }
}
