package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.DisputeClient;
import io.verity.chain.NodeRegistryClient;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under redundant:3 over three verity-det/2 nodes, node 1 computes honestly (so its traceRoot is the
 * majority's) but returns and signs perturbed outputs: its outputsDigest contradicts its own trace's last
 * entry. The gateway sends the outputs proof with the majority node's opening of that entry, and node 1 is
 * slashed at once, with no game.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OutputsProofFeedIT {
    @TempDir static Path dir;
    static DetFeedNetwork net;

    @BeforeAll
    static void start() throws Exception {
        net = new DetFeedNetwork(dir, Faults.NONE.withPerturb(1.0));
    }

    @AfterAll
    static void stop() {
        if (net != null) net.close();
    }

    @Test
    void an_outvoted_node_with_an_honest_trace_but_wrong_outputs_is_slashed_by_the_gateways_outputs_proof() throws Exception {
        JsonNode answer = net.inferRedundant("OUTPUTS");
        assertThat(answer.get("receipts")).as("%s", answer).hasSize(2);

        InferenceNode liar = net.nodes.getFirst();
        try (ChainConnection c = net.devnet.connect(0)) {
            NodeRegistryClient registry = new NodeRegistryClient(c, net.devnet.deployment().nodeRegistry());
            DisputeClient games = new DisputeClient(c, net.devnet.deployment().requireDisputeGame());
            BigInteger staked = registry.minStake();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> registry.stakeOf(liar.address()).compareTo(staked) < 0);
            BigInteger slashed = staked.divide(BigInteger.TWO);
            assertThat(registry.stakeOf(liar.address())).isEqualTo(staked.subtract(slashed));
            EvmAddress client = net.devnet.account(4).address();
            assertThat(games.claimable(client)).isEqualTo(slashed.subtract(slashed.divide(BigInteger.TEN)));
            assertThat(games.gameCount()).as("no game was needed").isZero();
            for (EvmAddress honest : new EvmAddress[] {net.nodes.get(1).address(), net.nodes.get(2).address()}) {
                assertThat(registry.stakeOf(honest)).isEqualTo(staked);
            }
        }
    }
}
