package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.chain.ChainEvent;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Under redundant:3 over three verity-det/3 nodes, node 1 computes honestly (so its traceRoot is the
 * majority's) but returns and signs perturbed outputs: its outputsDigest contradicts its own trace's last
 * entry. The gateway sends the outputs proof with the majority node's opening of that entry, and node 1 is
 * slashed at once, with no game. (Its perturbation is random, so when the gateway asks it again it signs a
 * second answer and is also slashed for equivocation, in either order: the test checks the proof's own event.)
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OutputsProofFeedIT {
    @RegisterExtension static final LocalNetwork net = DetFeedNetwork.create(Faults.NONE.withPerturb(1.0));

    @Test
    void an_outvoted_node_with_an_honest_trace_but_wrong_outputs_is_slashed_by_the_gateways_outputs_proof() throws Exception {
        InferenceNode liar = DetFeedNetwork.inferOutvotingNode1(net, "OUTPUTS");
        try (DetFeedNetwork.Contracts on = DetFeedNetwork.Contracts.of(net)) {
            BigInteger staked = on.registry().minStake();
            EvmAddress client = net.chain().account(4).address();
            ChainEvent proven = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> on.games().events(0).stream().filter(e -> e.name().equals("OutputsProven")).findFirst().orElse(null),
                            e -> e != null);
            assertThat(proven.<EvmAddress>arg("node")).isEqualTo(liar.address());
            assertThat(proven.<EvmAddress>arg("paid")).isEqualTo(client);
            assertThat(on.games().convicted(proven.arg("receiptId"))).isTrue();
            BigInteger slashed = proven.arg("slashed");
            assertThat(slashed).isPositive().isLessThanOrEqualTo(staked.divide(BigInteger.TWO)); // half of what was left
            BigInteger reward = slashed.multiply(BigInteger.valueOf(9_000)).divide(BigInteger.valueOf(10_000)); // committeeBps burnt
            assertThat(on.games().claimable(client)).isEqualTo(reward).isEqualTo(proven.<BigInteger>arg("reward"));
            // the slash took stake, unless the liar's own node has already topped itself back up to the minimum
            // (NodeRegistration does that on its next settlement step; seen in a full run)
            assertThat(on.registry().stakeOf(liar.address())).satisfiesAnyOf(
                    s -> assertThat(s).isLessThanOrEqualTo(staked.subtract(slashed)), s -> assertThat(s).isEqualTo(staked));
            assertThat(on.games().gameCount()).as("no game was needed").isZero();
            for (EvmAddress honest : new EvmAddress[] {net.nodes().get(1).address(), net.nodes().get(2).address()}) {
                assertThat(on.registry().stakeOf(honest)).isEqualTo(staked);
            }
        }
    }
}
