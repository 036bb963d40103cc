package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainException;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.net.http.HttpClient;
import org.junit.jupiter.api.AfterAll;
import io.verity.chain.fixture.LocalChain;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.settle.NodeRegistration;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose key an operator registered: the operator's (cold) account stakes and is paid, the node's (hot) key
 * signs receipts and commits them; after the operator rotates the key, the node started with the new key settles
 * and the old one is out.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OperatorKeysIT {
    static final int OPERATOR = 5;
    static final int NODE_KEY = 6;
    static final int NEW_NODE_KEY = 7;
    static final int CLIENT = 4;

    @RegisterExtension static final LocalChain devnet = LocalChain.perClass();

    static InferenceNode start(Path home, int key) {
        StakedNodes.installVad(home);
        return StakedNodes.start(devnet, NodeConfig.defaults(home).withChainSettings(StakedNodes.chainSettings(devnet, key)
                .withBatching(1, Duration.ofMillis(200)).withRedeemInterval(Duration.ofMillis(200))));
    }

    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterAll
    static void closeHttp() {
        http.close();
    }

    static SignedReceipt infer(InferenceNode node) throws Exception {
        NodeFixture.Response r = NodeFixture.post(http, node.url(), "/v1/infer", NodeFixture.vadRequest(null), "application/json");
        assertThat(r.status()).as("infer: %s", r.body()).isEqualTo(200);
        return ReceiptJson.read(r.body().get("receipt"), "/receipt");
    }

    static void awaitProof(InferenceNode node, SignedReceipt r) {
        await().atMost(SettlementIT.SETTLE_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() ->
                NodeFixture.get(http, node.url(), "/v1/receipts/" + r.id().toHex() + "/proof").status() == 200);
    }

    static void awaitRedeemed(ChainClients reader, InferenceNode node, BigInteger amount) {
        await().atMost(VoucherIT.REDEEM_TIMEOUT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(reader.payments().redeemed(devnet.account(CLIENT).address(), node.address())).isEqualTo(amount));
    }

    @Test
    void the_operator_stakes_and_is_paid_the_node_key_settles_and_a_rotated_key_hands_over(@TempDir Path homeA,
            @TempDir Path homeB) throws Exception {
        ChainAccount nodeKey = devnet.account(NODE_KEY);
        try (ChainClients operator = ChainClients.connect(devnet.deployment(), devnet.account(OPERATOR));
                ChainClients reader = ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            NodeRegistryClient nodes = operator.nodes();
            nodes.registerNode(nodeKey.address(), nodes.consentFor(operator.connection().account().address(), nodeKey.key()),
                    "http://127.0.0.1:1", List.of(), Keccak256.ZERO, BigInteger.ZERO, nodes.minStake()).confirmed();

            try (InferenceNode a = start(homeA, NODE_KEY)) {
                // the node moved its endpoint itself (a node-key call) and staked nothing: the stake is the operator's
                assertThat(reader.nodes().operatorOf(a.address())).contains(devnet.account(OPERATOR).address());
                SignedReceipt r = infer(a);
                assertThat(r.receipt().node()).isEqualTo(nodeKey.address());
                awaitProof(a, r);

                // a voucher the node key redeems pays the operator
                try (ChainClients client = ChainClients.connect(devnet.deployment(), devnet.account(CLIENT))) {
                    client.payments().deposit(VoucherIT.ETHER).confirmed();
                }
                BigInteger before = reader.connection().balanceOf(devnet.account(OPERATOR).address());
                BigInteger amount = new BigInteger("2000000000000000");
                SignedVoucher v = new Voucher(devnet.account(CLIENT).address(), a.address(), amount).sign(devnet.account(CLIENT).key(),
                        devnet.chainId(), devnet.deployment().payments());
                String body = VoucherJson.write(new VoucherJson.Envelope(v, VoucherJson.domain(devnet.chainId(),
                        devnet.deployment().payments()))).toString();
                assertThat(NodeFixture.post(http, a.url(), "/v1/vouchers", body, "application/json").status()).isEqualTo(200);
                awaitRedeemed(reader, a, amount);
                assertThat(reader.connection().balanceOf(devnet.account(OPERATOR).address()).subtract(before)).isEqualTo(amount);

                // the node key cannot take the stake out
                try (ChainClients asNode = ChainClients.connect(devnet.deployment(), nodeKey)) {
                    assertThat(asNode.nodes().requestUnbond(BigInteger.ONE)).isInstanceOf(io.verity.chain.TxOutcome.Reverted.class);
                }

                ChainAccount newKey = devnet.account(NEW_NODE_KEY);
                nodes.rotateNodeKey(newKey.address(), nodes.consentFor(devnet.account(OPERATOR).address(), newKey.key())).confirmed();
                assertThat(reader.nodes().isStaked(nodeKey.address())).isFalse();
                assertThatThrownBy(() -> NodeRegistration.ensure(reader.nodes(), nodeKey.address(), a.url().toString(), List.of(),
                        BigInteger.ZERO, Optional.empty(), true)).isInstanceOf(ChainException.class)
                        .hasMessageContaining("was replaced or revoked by its operator");
            }
            try (InferenceNode b = start(homeB, NEW_NODE_KEY)) {
                SignedReceipt r = infer(b);
                assertThat(r.receipt().node()).isEqualTo(devnet.account(NEW_NODE_KEY).address());
                awaitProof(b, r);
                assertThat(reader.nodes().nodeOf(devnet.account(OPERATOR).address())).contains(b.address());
            }
        }
    }
}
