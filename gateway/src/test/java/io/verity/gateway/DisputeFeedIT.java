package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.Devnet;
import io.verity.chain.Dispute;
import io.verity.chain.DisputeClient;
import io.verity.chain.NodeRegistryClient;
import io.verity.engine.det.DeterministicEngine;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.hub.ModelHub;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.json.TensorJson;
import io.verity.testing.RealInputs;
import io.verity.testing.RealModel;
import io.verity.testing.RealModels;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's evidence feeds on-chain disputes: under redundant:3 over three verity-det/1 nodes, node 1
 * (computing with a tampered weight) is outvoted; the gateway challenges its settled receipt with the
 * majority node's trace, the other two nodes sit on the committee, and node 1 is slashed, not only quarantined.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DisputeFeedIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final RealModel MODEL = RealModels.paddleOcrDet();

    @TempDir static Path dir;
    static Devnet devnet;
    static final List<InferenceNode> nodes = new ArrayList<>();
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        devnet = Devnet.builder().stateDir(dir.resolve("chain")).start();
        Path deploymentFile = dir.resolve("deployment.json");
        devnet.deployment().write(deploymentFile);
        for (int a = 1; a <= 3; a++) {
            Path home = dir.resolve("node" + a);
            new ModelHub(home.resolve("models")).add(MODEL.file(), MODEL.name(), MODEL.version(), MODEL.license(), MODEL.source());
            NodeConfig c = NodeConfig.defaults(home).withChainSettings(ChainSettings.of(deploymentFile)
                    .withAccountKey(devnet.account(a).privateKeyHex()).withBatching(1, Duration.ofMillis(100)));
            if (a == 1) c = c.withFaults(Faults.NONE.withTamperWeight(true));
            nodes.add(InferenceNode.start(c, DeterministicEngine.create(2, true), InstantSource.system()));
        }
        gateway = Gateway.start(GatewayConfig.builder(dir.resolve("gateway"), deploymentFile)
                .clientKey(devnet.account(4).privateKeyHex()).deposit(BigInteger.TEN.pow(18))
                .refreshInterval(Duration.ofMillis(500)).build());
        try (ChainConnection c = devnet.connect(0)) {
            NodeRegistryClient registry = new NodeRegistryClient(c, devnet.deployment().nodeRegistry());
            await().atMost(Duration.ofSeconds(60)).until(() -> registry.activeNodes().size() == 3);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                gateway.refreshNow();
                JsonNode ns = JSON.readTree(http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/nodes")).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray()).body()).get("nodes");
                int healthy = 0;
                for (JsonNode n : ns) if (n.get("healthy").asBoolean()) healthy++;
                return healthy == 3;
            });
        }
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
        if (devnet != null) devnet.close();
    }

    @Test
    void an_outvoted_det_node_is_challenged_bisected_and_slashed_on_chain() throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", MODEL.name()).put("policy", "redundant:3");
        RealInputs.paddleOcrDet("GATEWAY", 64, 64).forEach(t -> body.withArray("inputs").add(TensorJson.writeCompact(t)));
        JsonNode answer;
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/infer"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            answer = JSON.readTree(r.body());
            assertThat(r.statusCode()).as("%s", answer).isEqualTo(200);
        }
        assertThat(answer.get("receipts")).as("%s", answer).hasSize(2);

        InferenceNode cheat = nodes.getFirst();
        try (ChainConnection c = devnet.connect(0)) {
            NodeRegistryClient registry = new NodeRegistryClient(c, devnet.deployment().nodeRegistry());
            DisputeClient games = new DisputeClient(c, devnet.deployment().requireDisputeGame());
            BigInteger staked = registry.minStake();
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> registry.stakeOf(cheat.address()).compareTo(staked) < 0);
            assertThat(registry.stakeOf(cheat.address())).isEqualTo(staked.divide(BigInteger.TWO));
            Dispute game = games.game(0);
            assertThat(game.node()).isEqualTo(cheat.address());
            assertThat(game.challenger()).isEqualTo(devnet.account(4).address());
            assertThat(game.state()).isEqualTo(Dispute.State.CHALLENGER_WON);
            assertThat(game.rounds()).isLessThanOrEqualTo(12);
        }
    }
}
