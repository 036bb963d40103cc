package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.chain.contracts.Dispute;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway's evidence feeds on-chain disputes: under redundant:3 over three verity-det/3 nodes, node 1
 * (computing with a tampered weight) is outvoted; the gateway challenges its settled receipt with the
 * majority node's trace, the other two nodes draw and sit on the committee, and node 1 is slashed, not only
 * quarantined. The nodes serve untraced, as det nodes do by default: the receipts sign
 * {@code Receipt.TRACE_ON_CHALLENGE}, node 1 commits its root when challenged, and the gateway checks the majority
 * node's served trace against that node's signed outputsDigest.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DisputeFeedIT {
    @RegisterExtension static final LocalNetwork net = DetFeedNetwork.onChallenge(Faults.NONE.withTamperWeight(true));

    @Test
    void an_outvoted_det_node_is_challenged_bisected_and_slashed_on_chain() throws Exception {
        InferenceNode cheat = DetFeedNetwork.inferOutvotingNode1(net, "GATEWAY");
        try (DetFeedNetwork.Contracts on = DetFeedNetwork.Contracts.of(net)) {
            BigInteger staked = on.registry().minStake();
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> on.registry().stakeOf(cheat.address()).compareTo(staked) < 0);
            assertThat(on.registry().stakeOf(cheat.address())).isEqualTo(staked.divide(BigInteger.TWO));
            Dispute game = on.games().game(0);
            assertThat(game.node()).isEqualTo(cheat.address());
            assertThat(game.challenger()).isEqualTo(net.chain().account(4).address());
            assertThat(game.state()).isEqualTo(Dispute.State.CHALLENGER_WON);
            assertThat(game.rounds()).isLessThanOrEqualTo(12);
            assertThat(game.traceRoot()).as("the root node 1 committed when challenged").isNotEqualTo(io.verity.protocol.Keccak256.ZERO)
                    .isNotEqualTo(io.verity.protocol.receipt.Receipt.TRACE_ON_CHALLENGE);
        }
    }
}
