package io.verity.node.settle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.BatchInfo;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.SettledCheck;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.fixture.LocalChain;
import io.verity.node.receipts.ReceiptLog;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.merkle.MerkleBatch;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.wire.InclusionProof;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 13, item 4, against a real anvil: a node's batcher killed at each step of a batch (batch file written,
 * state written, commit transaction sent but not mined, mined, recorded in the batch file) restarts by itself,
 * every receipt it handed out verifies on chain through {@code Settlement.verifyReceipt}, and no batch is
 * committed twice. The kill is deterministic: a hook throws at the step, so nothing after it runs; "sent, not
 * mined" is the node's own commit transaction sitting in anvil's mempool (automine off) across the restart.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SettlementCrashIT {
    static final URI URL = URI.create("http://127.0.0.1:7070");

    /** Where the node is killed; {@code TX_SENT} lies between {@link Batcher.Step#STATE_WRITTEN} and COMMITTED. */
    enum CrashAt { BATCH_WRITTEN, STATE_WRITTEN, TX_SENT, COMMITTED, RECORDED }

    @RegisterExtension static final LocalChain devnet = LocalChain.perClass();

    static final class Crash extends Error {
        Crash(Batcher.Step step) {
            super("killed after " + step, null, false, false);
        }
    }

    @ParameterizedTest
    @EnumSource(CrashAt.class)
    void a_node_killed_at_any_step_of_a_batch_settles_every_receipt_once_after_a_restart(CrashAt at, @TempDir Path home)
            throws Exception {
        ChainAccount account = devnet.account(1 + at.ordinal()); // one node per case on the shared chain
        var deployment = devnet.deployment();
        ChainSettings settings = ChainSettings.of(home.resolve("unused.json")).withBatching(3, Duration.ofHours(1))
                .withMaxBackoff(Duration.ofMillis(200));
        Eip712Domain domain = Eip712Domain.verity(deployment.chainId(), deployment.settlement());
        NodeKey key = NodeKey.fromPrivateKey(account.privateKeyHex());
        List<SignedReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Keccak256 h = Keccak256.hash((at + " receipt " + i).getBytes(StandardCharsets.UTF_8));
            receipts.add(SignedReceipt.sign(new Receipt(Receipt.VERSION, h, h, "verity-det/2", h, h, Keccak256.ZERO,
                    account.address(), Keccak256.ZERO, VerificationMode.NONE, BigInteger.ONE,
                    System.currentTimeMillis()), domain, key));
        }
        Keccak256 root = MerkleBatch.of(receipts.stream().map(SignedReceipt::id).toList()).root();
        Batcher.Step killAt = at == CrashAt.TX_SENT ? Batcher.Step.STATE_WRITTEN : Batcher.Step.valueOf(at.name());

        // First life: log the receipts (as answers do), batch, and die at the step.
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"))) {
            for (SignedReceipt r : receipts) log.append(r.id(), BatchFiles.JSON.writeValueAsBytes(ReceiptJson.write(r)));
            CountDownLatch killed = new CountDownLatch(1);
            ChainPort port = port(account);
            try (Batcher b = Batcher.start(log, home, port, settings, deployment.chainId(), deployment.settlement(), URL,
                    InstantSource.system(), step -> {
                        if (step == killAt) {
                            killed.countDown();
                            throw new Crash(step);
                        }
                    })) {
                assertThat(killed.await(60, TimeUnit.SECONDS)).as("reached %s", killAt).isTrue();
            } finally {
                port.close();
            }
        }
        if (at == CrashAt.TX_SENT) {
            // The commit the dead node sent, still unmined when it comes back.
            devnet.setAutomine(false);
            try (ChainConnection c = ChainConnection.open(devnet.rpcUrl(), account, Duration.ofMillis(300))) {
                TxOutcome sent = new SettlementClient(c, deployment.settlement()).commitBatch(root, 3,
                        URL + "/v1/batches/" + root.toHex());
                assertThat(sent).isInstanceOf(TxOutcome.Pending.class);
            }
        }

        // Second life: nothing but a restart on the same home.
        try (ReceiptLog log = ReceiptLog.open(home.resolve("receipts"));
                ChainClients chain = ChainClients.connect(deployment, devnet.account(0))) {
            ChainPort port = port(account);
            try (Batcher b = Batcher.start(log, home, port, settings, deployment.chainId(), deployment.settlement(), URL,
                    InstantSource.system())) {
                if (at == CrashAt.TX_SENT) {
                    devnet.setAutomine(true);
                    devnet.mine(); // the old commit and, if it was sent by then, the restarted node's second one
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> b.settledReceipts() == 3);
                for (SignedReceipt r : receipts) {
                    InclusionProof p = b.proof(r.id()).orElseThrow();
                    assertThat(p.batchRoot()).isEqualTo(root);
                    SettledCheck check = chain.settlement().verifyReceipt(r, p.batchId(), p.proof());
                    assertThat(check).as("on-chain check of %s", r.id()).isInstanceOf(SettledCheck.Settled.class);
                }
            } finally {
                port.close();
                devnet.setAutomine(true);
            }
            List<Keccak256> committedRoots = new ArrayList<>();
            for (ChainEvent e : chain.settlement().batchEvents(0)) {
                BatchInfo info = chain.settlement().batch(e.<BigInteger>arg("batchId").longValueExact()).orElseThrow();
                if (info.node().equals(account.address())) committedRoots.add(info.root());
            }
            assertThat(committedRoots).as("batches committed by the node").containsExactly(root);
        }
    }

    private static ChainPort port(ChainAccount account) {
        return new RpcChainPort(devnet.deployment(), account, URL.toString(), List::of, BigInteger.ONE, Optional.empty(),
                Optional.empty(), InstantSource.system());
    }
}
