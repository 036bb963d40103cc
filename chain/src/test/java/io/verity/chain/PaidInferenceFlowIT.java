package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chain side of {@code verity up}, through the public API only: devnet, deployment file, a node that
 * registers its model and itself, a client that pays with a voucher, a batch, and a stranger who verifies.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class PaidInferenceFlowIT {

    @Test
    void a_paid_inference_is_settled_and_verified_on_chain(@TempDir Path dir) {
        Path file = dir.resolve("deployment.json");
        try (Devnet devnet = Devnet.builder().stateDir(dir.resolve("chain")).deploymentFile(file).start()) {
            Deployment d = Deployment.read(file);
            ChainAccount nodeKey = devnet.account(1);
            ChainAccount clientKey = devnet.account(2);
            Keccak256 model = Keccak256.hash("model file".getBytes());
            BigInteger price = BigInteger.valueOf(10_000_000_000_000L);

            try (ChainClients node = ChainClients.connect(d, nodeKey);
                 ChainClients client = ChainClients.connect(d, clientKey);
                 ChainClients stranger = ChainClients.connect(d, devnet.account(9))) {
                node.models().register(model, "http://127.0.0.1:9001/models/" + model + ".json", "tiny", "1").confirmed();
                node.nodes().register("http://127.0.0.1:9001", List.of(model), Keccak256.ZERO, price,
                        node.nodes().minStake()).confirmed();
                client.payments().deposit(price.multiply(BigInteger.valueOf(100))).confirmed();

                List<OnChainReceipt> receipts = new ArrayList<>();
                List<byte[]> sigs = new ArrayList<>();
                TestReceipts gen = new TestReceipts(5);
                for (int i = 0; i < 3; i++) {
                    OnChainReceipt r = gen.receipt(nodeKey.address(), gen.randomBytes32(), model, gen.randomBytes32());
                    receipts.add(r);
                    sigs.add(r.sign(nodeKey, d.chainId(), d.settlement()));
                }
                SignedVoucher voucher = client.payments().sign(new Voucher(clientKey.address(), nodeKey.address(), price.multiply(BigInteger.valueOf(3))));
                assertThat(node.payments().redeem(voucher).confirmed().event("VoucherRedeemed").<BigInteger>arg("paid"))
                        .isEqualTo(price.multiply(BigInteger.valueOf(3)));

                TestMerkle tree = new TestMerkle(receipts.stream().map(r -> r.id(d.chainId(), d.settlement())).toList());
                long batch = SettlementClient.committedBatchId(node.settlement().commitBatch(tree.root(), 3, "http://127.0.0.1:9001/batches/0").confirmed());

                for (int i = 0; i < 3; i++) {
                    Keccak256 id = receipts.get(i).id(d.chainId(), d.settlement());
                    assertThat(stranger.settlement().verifyReceipt(receipts.get(i), sigs.get(i), batch, tree.proof(id)))
                            .isInstanceOf(SettledCheck.Settled.class);
                }
                assertThat(stranger.nodes().activeNodes()).containsExactly(nodeKey.address());
                assertThat(stranger.models().model(model).orElseThrow().name()).isEqualTo("tiny");
            }
        }
    }
}
