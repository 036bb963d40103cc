package io.verity.gateway;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.Devnet;
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

/**
 * Anvil, three det-engine nodes serving PaddleOCR det (node 1 with {@code node1Faults}, nodes 2-3 honest) and
 * a gateway paying as dev account 4, all healthy: the setting of the gateway's dispute-feed tests.
 */
final class DetFeedNetwork implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final RealModel MODEL = RealModels.paddleOcrDet();

    final Devnet devnet;
    final List<InferenceNode> nodes = new ArrayList<>();
    final Gateway gateway;

    DetFeedNetwork(Path dir, Faults node1Faults) throws Exception {
        devnet = Devnet.builder().stateDir(dir.resolve("chain")).start();
        Path deploymentFile = dir.resolve("deployment.json");
        devnet.deployment().write(deploymentFile);
        for (int a = 1; a <= 3; a++) {
            Path home = dir.resolve("node" + a);
            new ModelHub(home.resolve("models")).add(MODEL.file(), MODEL.name(), MODEL.version(), MODEL.license(), MODEL.source());
            NodeConfig c = NodeConfig.defaults(home).withChainSettings(ChainSettings.of(deploymentFile)
                    .withAccountKey(devnet.account(a).privateKeyHex()).withBatching(1, Duration.ofMillis(100)));
            if (a == 1) c = c.withFaults(node1Faults);
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

    /** One redundant:3 request through the gateway; returns its 200 answer. */
    JsonNode inferRedundant(String text) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", MODEL.name()).put("policy", "redundant:3");
        RealInputs.paddleOcrDet(text, 64, 64).forEach(t -> body.withArray("inputs").add(TensorJson.writeCompact(t)));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/infer"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            JsonNode answer = JSON.readTree(r.body());
            if (r.statusCode() != 200) throw new AssertionError("gateway answered " + r.statusCode() + ": " + answer);
            return answer;
        }
    }

    @Override
    public void close() {
        if (gateway != null) gateway.close();
        for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
        if (devnet != null) devnet.close();
    }
}
