package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.SettlementClient;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;

/** Pending and mined-but-reverted outcomes, produced by turning anvil's automining off. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TxOutcomeIT extends DevnetTestBase {

    @AfterEach
    void automineAgain() {
        devnet.setAutomine(true);
    }

    @Test
    void an_unmined_transaction_is_Pending_and_confirms_once_a_block_is_mined() {
        NodeRegistryIT.registerNode(1, ether(1)).confirmed();
        devnet.setAutomine(false);
        try (ChainConnection node = ChainConnection.open(devnet.rpcUrl(), devnet.account(1), Duration.ofMillis(300))) {
            Keccak256 root = Keccak256.hash("pending".getBytes());
            TxOutcome sent = new SettlementClient(node, deployment.settlement()).commitBatch(root, 1, "u");
            assertThat(sent).isInstanceOf(TxOutcome.Pending.class);
            Keccak256 tx = ((TxOutcome.Pending) sent).txHash();
            assertThat(node.outcome(tx)).isEqualTo(sent);

            devnet.mine();

            TxOutcome.Confirmed c = node.outcome(tx).confirmed();
            assertThat(c.txHash()).isEqualTo(tx);
            assertThat(c.gasUsed()).isPositive();
            assertThat(c.event("BatchCommitted").<Keccak256>arg("root")).isEqualTo(root);
        }
    }

    @Test
    void a_duplicate_of_a_pending_commit_is_rejected_by_simulation_against_the_pending_state() {
        NodeRegistryIT.registerNode(1, ether(1)).confirmed();
        devnet.setAutomine(false);
        try (ChainConnection node = ChainConnection.open(devnet.rpcUrl(), devnet.account(1), Duration.ofMillis(300))) {
            SettlementClient s = new SettlementClient(node, deployment.settlement());
            Keccak256 root = Keccak256.hash("twice".getBytes());
            assertThat(s.commitBatch(root, 1, "u")).isInstanceOf(TxOutcome.Pending.class);
            assertReverted(s.commitBatch(root, 1, "u"), "BatchAlreadyCommitted", addr(1), root, BigInteger.ZERO);
            devnet.mine();
            assertThat(s.batchCount()).isEqualTo(1);
        }
    }

    @Test
    void a_transaction_that_reverted_when_mined_is_Reverted_with_its_hash_and_decoded_error() throws Exception {
        // sent without simulation (as another client might), so the revert happens on chain
        ChainAccount sender = devnet.account(2);
        Function commit = W3.fn("commitBatch", W3.bytes32(Keccak256.hash(new byte[] {2})), W3.uint64(1), new Utf8String("u"));
        Web3j web3j = Web3j.build(new HttpService(devnet.rpcUrl()));
        try (ChainConnection c = as(2)) {
            BigInteger nonce = web3j.ethGetTransactionCount(sender.address().toString(), DefaultBlockParameterName.PENDING)
                    .send().getTransactionCount();
            RawTransaction raw = RawTransaction.createTransaction(nonce, web3j.ethGasPrice().send().getGasPrice(),
                    BigInteger.valueOf(300_000), deployment.settlement().toString(), BigInteger.ZERO, FunctionEncoder.encode(commit));
            String hash = web3j.ethSendRawTransaction(Hex.encode(TransactionEncoder.signMessage(raw, devnet.chainId(),
                    Credentials.create(sender.privateKeyHex())))).send().getTransactionHash();
            Keccak256 tx = Keccak256.parse(hash);

            // Pending until anvil has mined it, which under load is not always before the next request.
            TxOutcome r = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> c.outcome(tx), o -> !(o instanceof TxOutcome.Pending));

            assertReverted(r, "NodeNotStaked", addr(2));
            assertThat(((TxOutcome.Reverted) r).txHash()).hasValue(tx);
        } finally {
            web3j.shutdown();
        }
    }

    @Test
    void a_rejection_found_by_simulation_sends_nothing() {
        long before = as(2).blockNumber();
        TxOutcome r = settlement(2).commitBatch(Keccak256.hash(new byte[] {1}), 1, "u");
        assertReverted(r, "NodeNotStaked", addr(2));
        assertThat(((TxOutcome.Reverted) r).txHash()).isEmpty();
        assertThat(as(2).blockNumber()).isEqualTo(before);
    }
}
