package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.SettledCheck;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.Devnet;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
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

                List<SignedReceipt> receipts = new ArrayList<>();
                TestReceipts gen = new TestReceipts(5);
                Eip712Domain domain = Eip712Domain.verity(d.chainId(), d.settlement());
                for (int i = 0; i < 3; i++) {
                    Receipt r = gen.receipt(nodeKey.address(), gen.randomBytes32(), model, gen.randomBytes32());
                    receipts.add(SignedReceipt.sign(r, domain, nodeKey.key()));
                }
                SignedVoucher voucher = client.payments().sign(new Voucher(clientKey.address(), nodeKey.address(), price.multiply(BigInteger.valueOf(3))));
                assertThat(node.payments().redeem(voucher).confirmed().event("VoucherRedeemed").<BigInteger>arg("paid"))
                        .isEqualTo(price.multiply(BigInteger.valueOf(3)));

                TestMerkle tree = new TestMerkle(receipts.stream().map(SignedReceipt::id).toList());
                long batch = SettlementClient.committedBatchId(node.settlement().commitBatch(tree.root(), 3, "http://127.0.0.1:9001/batches/0").confirmed());

                for (int i = 0; i < 3; i++) {
                    assertThat(stranger.settlement().verifyReceipt(receipts.get(i), batch, tree.proof(receipts.get(i).id())))
                            .isInstanceOf(SettledCheck.Settled.class);
                }
                assertThat(stranger.nodes().activeNodes()).containsExactly(nodeKey.address());
                assertThat(stranger.models().model(model).orElseThrow().name()).isEqualTo("tiny");
            }
        }
    }
}
