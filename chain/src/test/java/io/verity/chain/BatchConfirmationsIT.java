package io.verity.chain;

import io.verity.chain.rpc.TxPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.verity.chain.contracts.SettlementClient;
import io.verity.protocol.Keccak256;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * A batch counts as settled ({@link SettlementClient#commitIdempotently} returns) only once its commit is
 * {@link TxPolicy#confirmations()} blocks deep, and one a reorganisation took back before that is committed again.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class BatchConfirmationsIT extends DevnetTestBase {

    @Test
    void a_commit_counts_only_once_it_is_three_blocks_deep() {
        NodeRegistryIT.registerNode(1, ether(1)).confirmed();
        TxPolicy three = TxPolicy.defaults().withConfirmations(3).withReceiptTimeout(Duration.ofMillis(300));
        Keccak256 root = Keccak256.hash("deep".getBytes());
        try (ChainConnection node = ChainConnection.open(devnet.rpcUrl(), devnet.account(1), three)) {
            SettlementClient settlement = new SettlementClient(node, deployment.settlement());
            assertThatThrownBy(() -> settlement.commitIdempotently(root, 1, "u")).isInstanceOf(ChainException.class)
                    .hasMessageContaining("is not mined yet"); // mined in one block, nothing on top yet
            devnet.mine();
            assertThatThrownBy(() -> settlement.commitIdempotently(root, 1, "u"))
                    .hasMessage("batch " + root + " is committed but not yet 3 blocks deep; call again to check");
            devnet.mine();
            long id = settlement.commitIdempotently(root, 1, "u");
            assertThat(settlement.batchIdOf(devnet.account(1).address(), root)).hasValue(id);
            assertThat(settlement.batchCount()).isEqualTo(1);
        }
    }

    @Test
    void a_commit_a_reorganisation_took_back_is_committed_again() throws Exception {
        NodeRegistryIT.registerNode(1, ether(1)).confirmed();
        TxPolicy two = TxPolicy.defaults().withConfirmations(2).withReplaceAfter(Duration.ofMillis(300));
        Keccak256 root = Keccak256.hash("reorged".getBytes());
        SettlementClient reader = settlement(0);
        String beforeCommit = devnet.snapshot();
        try (ChainConnection node = ChainConnection.open(devnet.rpcUrl(), devnet.account(1), two);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> settled = pool.submit(() -> new SettlementClient(node, deployment.settlement())
                    .commitIdempotently(root, 1, "u"));
            await().atMost(Duration.ofSeconds(10)).until(() -> reader.batchIdOf(addr(1), root).isPresent());
            assertThat(settled.isDone()).isFalse(); // one block deep, not two

            devnet.revertTo(beforeCommit); // the block with the commit is gone, and the transaction with it
            assertThat(reader.batchIdOf(addr(1), root)).isEmpty();

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                devnet.mine();
                assertThat(settled.isDone()).isTrue();
            });
            long id = settled.get();
            assertThat(reader.batchIdOf(addr(1), root)).hasValue(id);
            assertThat(reader.batchCount()).isEqualTo(1);
        }
    }
}
