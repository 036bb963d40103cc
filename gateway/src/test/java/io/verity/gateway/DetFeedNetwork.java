package io.verity.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.fixture.LocalChain;
import io.verity.engine.det.DeterministicEngine;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.fixture.StakedNodes;
import io.verity.protocol.json.TensorJson;
import io.verity.testing.RealInputs;
import io.verity.testing.RealModel;
import io.verity.testing.RealModels;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Three det-engine nodes serving PaddleOCR det (node 1 with {@code node1Faults}, nodes 2-3 honest) on the shared
 * chain and a gateway paying as dev account 4, all healthy: the setting of the gateway's dispute-feed tests. The
 * nodes run det traced (eager receipts, a signed traceRoot), or with {@link #onChallenge} as a det node does by
 * default (untraced, receipts signing {@code Receipt.TRACE_ON_CHALLENGE}).
 */
final class DetFeedNetwork {
    static final ObjectMapper JSON = new ObjectMapper();
    static final RealModel MODEL = RealModels.paddleOcrDet();

    private DetFeedNetwork() {}

    static LocalNetwork create(Faults node1Faults) {
        return create(node1Faults, LocalChain.perClass());
    }

    /** As {@link #create(Faults)} with nodes that commit to their traces only when challenged. */
    static LocalNetwork onChallenge(Faults node1Faults) {
        return create(node1Faults, LocalChain.perClass(), false);
    }

    /** As above, on {@code chain} (e.g. one of the class's own, mining a block a second). */
    static LocalNetwork create(Faults node1Faults, LocalChain chain) {
        return create(node1Faults, chain, true);
    }

    private static LocalNetwork create(Faults node1Faults, LocalChain chain, boolean traced) {
        return LocalNetwork.builder().chain(chain).nodes(3).withoutVad().batching(1, Duration.ofMillis(100))
                .node((i, c) -> i == 1 ? c.withFaults(node1Faults) : c)
                .starter((i, c) -> {
                    StakedNodes.install(c.home(), MODEL);
                    // the default contract, verity-det/3; untraced unless the test wants eager receipts
                    return InferenceNode.start(c, DeterministicEngine.create(2, traced, c.detContract()), InstantSource.system());
                })
                .gateway(g -> g.refreshInterval(Duration.ofMillis(500))).build();
    }

    /** The network's NodeRegistry and DisputeGame, read as dev account 0; closing releases the connection. */
    record Contracts(ChainConnection connection, NodeRegistryClient registry, DisputeClient games) implements AutoCloseable {
        static Contracts of(LocalNetwork net) {
            ChainConnection c = net.chain().connect(0);
            return new Contracts(c, new NodeRegistryClient(c, net.chain().deployment().nodeRegistry()),
                    new DisputeClient(c, net.chain().deployment().requireDisputeGame()));
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    /**
     * One redundant:3 request through the gateway, which node 1 loses 2 to 1 (the answer must be a 200 with two
     * agreeing receipts); returns node 1, the node the gateway then holds to account.
     */
    static InferenceNode inferOutvotingNode1(LocalNetwork net, String text) throws Exception {
        inferRedundant3(net, text);
        return net.nodes().getFirst();
    }

    /** The redundant:3 request of {@link #inferOutvotingNode1}: the gateway's answer, with two agreeing receipts. */
    static JsonNode inferRedundant3(LocalNetwork net, String text) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", MODEL.name()).put("policy", "redundant:3");
        RealInputs.paddleOcrDet(text, 64, 64).forEach(t -> body.withArray("inputs").add(TensorJson.writeCompact(t)));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(net.gateway().url().resolve("/v1/infer"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            JsonNode answer = JSON.readTree(r.body());
            if (r.statusCode() != 200) throw new AssertionError("gateway answered " + r.statusCode() + ": " + answer);
            if (answer.get("receipts").size() != 2) throw new AssertionError("expected 2 agreeing receipts: " + answer);
            return answer;
        }
    }
}
