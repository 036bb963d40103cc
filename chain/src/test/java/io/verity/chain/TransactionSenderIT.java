package io.verity.chain;

import io.verity.chain.rpc.TxPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.response.Transaction;
import org.web3j.protocol.http.HttpService;

/**
 * The account's one transaction sender ({@link TransactionSender} behind every {@link ChainConnection}): EIP-1559
 * fees, distinct nonces for concurrent duties, replacement of a stuck transaction, nonce resync, confirmations.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TransactionSenderIT extends DevnetTestBase {
    private static HttpService http;
    private static Web3j web3j;

    @BeforeAll
    static void rpc() {
        http = new HttpService(devnet.rpcUrl());
        web3j = Web3j.build(http);
    }

    @AfterAll
    static void closeRpc() {
        web3j.shutdown();
    }

    @Test
    void transactions_carry_EIP_1559_fees_on_a_chain_with_a_base_fee() throws IOException {
        TxOutcome.Confirmed c = models(1).register(digest("1559"), "u", "m", "1").confirmed();
        Transaction tx = web3j.ethGetTransactionByHash(c.txHash().toHex()).send().getTransaction().orElseThrow();
        assertThat(tx.getType()).isEqualTo("0x2");
        assertThat(tx.getMaxPriorityFeePerGas()).isPositive();
        assertThat(tx.getMaxFeePerGas()).isGreaterThan(tx.getMaxPriorityFeePerGas())
                .isLessThanOrEqualTo(TxPolicy.defaults().maxFeePerGasCap());
    }

    @Test
    void concurrent_duties_on_one_account_get_distinct_nonces_and_all_land() throws Exception {
        devnet.setAutomine(false);
        raw("evm_setIntervalMining", 1); // blocks every second, as on a real chain: several transactions in flight at once
        List<ChainConnection> duties = List.of(as(1), as(1), as(1)); // batcher, voucher redeemer, dispute duties
        List<Callable<TxOutcome>> sends = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ModelRegistryClient client = new ModelRegistryClient(duties.get(i % 3), deployment.modelRegistry());
            Keccak256 digest = digest("concurrent " + i);
            sends.add(() -> client.register(digest, "u", "m", "1"));
        }
        List<TxOutcome> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<TxOutcome> f : pool.invokeAll(sends)) outcomes.add(f.get());
        } finally {
            raw("evm_setIntervalMining", 0);
        }
        Set<BigInteger> nonces = new HashSet<>();
        for (TxOutcome o : outcomes) {
            nonces.add(web3j.ethGetTransactionByHash(o.confirmed().txHash().toHex()).send().getTransaction().orElseThrow().getNonce());
        }
        assertThat(nonces).hasSize(12);
        assertThat(models(1).modelCount()).isEqualTo(12);
    }

    @Test
    void a_transaction_priced_below_the_base_fee_is_replaced_with_raised_fees_and_lands() throws Exception {
        try (Unmined u = Unmined.send(2, "stuck")) {
            Future<TxOutcome> sent = u.sent();
            Transaction first = u.first();
            // the next blocks' base fee jumps over the transaction's max fee: it cannot be mined as sent
            raw("anvil_setNextBlockBaseFeePerGas", "0x" + first.getMaxFeePerGas().multiply(BigInteger.TEN).toString(16));
            devnet.mine();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                devnet.mine();
                assertThat(sent.isDone()).isTrue();
            });
            TxOutcome.Confirmed landed = sent.get().confirmed();
            Transaction mined = web3j.ethGetTransactionByHash(landed.txHash().toHex()).send().getTransaction().orElseThrow();
            assertThat(landed.txHash().toHex()).isNotEqualTo(first.getHash());
            assertThat(mined.getNonce()).isEqualTo(first.getNonce());
            assertThat(mined.getMaxFeePerGas()).isGreaterThan(first.getMaxFeePerGas().multiply(BigInteger.TEN));
        }
    }

    @Test
    void a_transaction_dropped_from_the_pool_is_sent_again_with_the_same_nonce() throws Exception {
        try (Unmined u = Unmined.send(3, "dropped")) {
            Future<TxOutcome> sent = u.sent();
            Transaction first = u.first();
            raw("anvil_dropTransaction", first.getHash());
            Transaction again = await().atMost(Duration.ofSeconds(10)).until(() -> pooled(devnet.account(3)), t -> t != null);
            devnet.mine();
            TxOutcome.Confirmed landed = sent.get().confirmed();
            Transaction mined = web3j.ethGetTransactionByHash(landed.txHash().toHex()).send().getTransaction().orElseThrow();
            assertThat(landed.txHash().toHex()).isNotEqualTo(first.getHash());
            assertThat(mined.getNonce()).isEqualTo(first.getNonce()).isEqualTo(again.getNonce());
        }
    }

    @Test
    void a_nonce_used_behind_the_senders_back_is_skipped() throws Exception {
        ChainConnection c = as(4);
        ModelRegistryClient models = new ModelRegistryClient(c, deployment.modelRegistry());
        models.register(digest("before"), "u", "m", "1").confirmed();
        // another process with the same key sends a transaction the sender never saw
        BigInteger nonce = web3j.ethGetTransactionCount(addr(4).toString(), DefaultBlockParameterName.PENDING).send()
                .getTransactionCount();
        RawTransaction transfer = RawTransaction.createEtherTransaction(devnet.chainId(), nonce, BigInteger.valueOf(21_000),
                addr(5).toString(), BigInteger.ONE, BigInteger.ONE, BigInteger.TEN.pow(11));
        String signed = Hex.encode(TransactionEncoder.signMessage(transfer, Credentials.create(devnet.account(4).privateKeyHex())));
        assertThat(web3j.ethSendRawTransaction(signed).send().hasError()).isFalse();

        assertConfirmed(models.register(digest("after"), "u", "m", "1"));
    }

    @Test
    void a_mined_transaction_is_Pending_until_it_has_the_policys_confirmations() {
        TxPolicy three = TxPolicy.defaults().withConfirmations(3).withReceiptTimeout(Duration.ofMillis(400));
        try (ChainConnection c = ChainConnection.open(devnet.rpcUrl(), devnet.account(6), three)) {
            TxOutcome sent = new ModelRegistryClient(c, deployment.modelRegistry()).register(digest("deep"), "u", "m", "1");
            assertThat(sent).isInstanceOf(TxOutcome.Pending.class); // mined in one block, but nothing follows it
            Keccak256 hash = ((TxOutcome.Pending) sent).txHash();
            devnet.mine();
            assertThat(c.outcome(hash)).isInstanceOf(TxOutcome.Pending.class);
            devnet.mine();
            assertThat(c.outcome(hash).confirmed().txHash()).isEqualTo(hash);
        }
    }

    /** Replaced after 300 ms unmined. */
    private static final TxPolicy PATIENT = TxPolicy.defaults().withReceiptTimeout(Duration.ofSeconds(30))
            .withReplaceAfter(Duration.ofMillis(300));

    /** A registration sent with automine off by {@code account}, replaced after 300 ms; {@code first} as it entered the pool. */
    private record Unmined(ChainConnection connection, ExecutorService pool, Future<TxOutcome> sent, Transaction first)
            implements AutoCloseable {
        static Unmined send(int account, String model) {
            devnet.setAutomine(false);
            ChainConnection c = ChainConnection.open(devnet.rpcUrl(), devnet.account(account), PATIENT);
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            Future<TxOutcome> sent = pool.submit(() -> new ModelRegistryClient(c, deployment.modelRegistry())
                    .register(digest(model), "u", "m", "1"));
            Transaction first = await().atMost(Duration.ofSeconds(10)).until(() -> pooled(devnet.account(account)), t -> t != null);
            return new Unmined(c, pool, sent, first);
        }

        @Override
        public void close() {
            pool.close();
            connection.close();
        }
    }

    /** The account's one transaction in anvil's pool, or null. */
    private static Transaction pooled(ChainAccount account) throws IOException {
        BigInteger latest = web3j.ethGetTransactionCount(account.address().toString(), DefaultBlockParameterName.LATEST).send()
                .getTransactionCount();
        var block = web3j.ethGetBlockByNumber(DefaultBlockParameterName.PENDING, true).send().getBlock();
        if (block == null) return null;
        for (var r : block.getTransactions()) {
            Transaction t = (Transaction) r.get();
            if (t.getFrom().equalsIgnoreCase(account.address().toString()) && t.getNonce().equals(latest)) return t;
        }
        return null;
    }

    private static void raw(String method, Object... params) throws IOException {
        Response<?> r = new Request<>(method, List.of(params), http, RawResponse.class).send();
        if (r.hasError()) throw new IllegalStateException(method + " failed: " + r.getError().getMessage());
    }

    public static final class RawResponse extends Response<Object> {}

    private static Keccak256 digest(String s) {
        return Keccak256.hash(s.getBytes());
    }
}
