package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.chain.contracts.SettledCheck;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.devnet.DeploymentCheck;
import io.verity.chain.devnet.DisputeParams;
import io.verity.chain.fixture.LocalChain;
import io.verity.client.NodeApiClient;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.InclusionProof;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the whole life of a paid, verified inference on a chain that mines a block a second instead of one per
 * transaction, written once and run on two EVM implementations ({@link AnvilIntervalMiningIT}, anvil
 * {@code --block-time 1}; {@link HardhatIntervalMiningIT}, a Hardhat node with interval mining). The fixture deploys
 * the contracts and registers and stakes three verity-det/3 nodes at that rhythm (node 1 signs perturbed outputs);
 * the test sends a paid redundant:3 request through the gateway and follows it to the end: both agreeing receipts
 * committed in batches and provable on chain, the vouchers redeemed, and node 1 slashed by the gateway's outputs
 * proof (the dispute that needs no game, so it fits in a few blocks).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
abstract class IntervalMiningFlow {
    static final Duration BLOCK_TIME = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(60);

    static LocalNetwork network(LocalChain.Evm evm) {
        return DetFeedNetwork.create(Faults.NONE.withPerturb(1.0), LocalChain.intervalMining(evm, BLOCK_TIME));
    }

    abstract LocalNetwork net();

    @Test
    void a_paid_inference_settles_is_provable_is_paid_and_its_liar_is_slashed_with_a_block_a_second() throws Exception {
        LocalNetwork net = net();
        JsonNode answer = DetFeedNetwork.inferRedundant3(net, "BLOCKS");
        InferenceNode liar = net.nodes().getFirst();
        EvmAddress client = net.gateway().clientAccount().orElseThrow();
        try (ChainConnection c = net.chain().connect(0);
                DetFeedNetwork.Contracts on = DetFeedNetwork.Contracts.of(net)) {
            long latest = c.blockNumber();
            assertThat(c.block(latest).orElseThrow().timestamp() - c.block(latest - 3).orElseThrow().timestamp())
                    .as("blocks are mined a second apart, not per transaction").isGreaterThanOrEqualTo(3);
            // deployed at that rhythm: this build's code and settings at every address; the nodes registered and staked
            assertThat(DeploymentCheck.of(c, net.chain().deployment(), net.chain().account(0).address(), DeployParams.defaults(),
                    DisputeParams.defaults()).problems()).isEmpty();
            for (InferenceNode n : net.nodes()) assertThat(on.registry().isStaked(n.address())).as("%s staked", n.address()).isTrue();
            SettlementClient settlement = new SettlementClient(c, net.chain().deployment().settlement());
            for (int i = 0; i < answer.get("receipts").size(); i++) {
                SignedReceipt r = ReceiptJson.read(answer.get("receipts").get(i), "/receipts/" + i);
                try (NodeApiClient node = NodeApiClient.of(nodeOf(net, r.receipt().node()).url())) {
                    InclusionProof proof = await("receipt " + r.id() + " in a committed batch").atMost(WAIT)
                            .pollInterval(Duration.ofMillis(250)).until(() -> node.proof(r.id()), p -> p.isPresent()).orElseThrow();
                    assertThat(settlement.verifyReceipt(r, proof.batchId(), proof.proof())).isInstanceOf(SettledCheck.Settled.class);
                }
            }
            PaymentsClient payments = new PaymentsClient(c, net.chain().deployment().payments());
            for (JsonNode pay : answer.get("payments")) {
                EvmAddress node = EvmAddress.parse(pay.get("node").asText());
                BigInteger cumulative = new BigInteger(pay.get("cumulativeAmount").asText());
                await("voucher of " + node + " redeemed on chain").atMost(WAIT).pollInterval(Duration.ofMillis(250))
                        .until(() -> payments.redeemed(client, node).compareTo(cumulative) >= 0);
            }
            ChainEvent proven = await("the gateway's outputs proof against node 1").atMost(WAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> on.games().events(0).stream().filter(e -> e.name().equals("OutputsProven")).findFirst(),
                            e -> e.isPresent()).orElseThrow();
            assertThat(proven.<EvmAddress>arg("node")).isEqualTo(liar.address());
            assertThat(on.games().convicted(proven.arg("receiptId"))).isTrue();
            assertThat(proven.<BigInteger>arg("slashed")).isPositive();
        }
    }

    private static InferenceNode nodeOf(LocalNetwork net, EvmAddress address) {
        return net.nodes().stream().filter(n -> n.address().equals(address)).findFirst().orElseThrow();
    }
}
