package io.verity.chain;

import io.verity.chain.rpc.RpcEndpoints;
import io.verity.chain.rpc.TxPolicy;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The one sender of an account's transactions to one endpoint in this process. Every {@link ChainConnection} for
 * the same endpoint and account shares it ({@link #acquire}), so a node's duties (batcher, voucher redeemer,
 * dispute duties), each with a connection of its own, never pick the same nonce.
 *
 * <p>Simulating, choosing the nonce and broadcasting happen under one lock, so a simulation sees this account's
 * earlier transactions in the pending state; waiting for the receipt happens outside it, so one slow transaction
 * does not hold up the others. The nonce is kept here and checked against the chain's pending count on every
 * send: the chain's is taken when it is ahead (another process used the account) or when it is behind while
 * nothing of ours is in flight (a transaction was dropped or the chain went back, e.g. a reorganisation or a
 * test's snapshot revert); a "nonce too low" answer resyncs and retries.
 *
 * <p>A transaction still unmined after {@link TxPolicy#replaceAfter()} is signed again with the same nonce and
 * raised fees (see {@link Fees#bumped}); the wait watches every version, and only a receipt with
 * {@link TxPolicy#confirmations()} counts. When the nonce was taken by a transaction that is not ours, the
 * transaction is sent afresh with a new nonce.
 */
final class TransactionSender {
    private static final Map<Key, TransactionSender> SENDERS = new HashMap<>();
    private static final int NONCE_RETRIES = 3;

    private record Key(String rpcUrl, EvmAddress account) {}

    private final Key key;
    private final Web3j web3j;
    private final long chainId;
    private final ChainAccount account;
    private final ReentrantLock lock = new ReentrantLock();
    private BigInteger nextNonce; // guarded by lock; null: read it from the chain
    private int inFlight; // guarded by lock: broadcast transactions whose senders still wait
    private int users; // guarded by SENDERS

    private TransactionSender(Key key, long chainId, ChainAccount account) {
        this.key = key;
        this.web3j = Web3j.build(RpcEndpoints.of(key.rpcUrl()));
        this.chainId = chainId;
        this.account = account;
    }

    /** The sender for {@code account} at {@code rpcUrl}; each acquire needs one {@link #release()}. */
    static TransactionSender acquire(String rpcUrl, long chainId, ChainAccount account) {
        synchronized (SENDERS) {
            TransactionSender s = SENDERS.computeIfAbsent(new Key(rpcUrl, account.address()),
                    k -> new TransactionSender(k, chainId, account));
            s.users++;
            return s;
        }
    }

    void release() {
        synchronized (SENDERS) {
            if (--users > 0) return;
            SENDERS.remove(key, this);
        }
        web3j.shutdown();
    }

    /** What became of a submitted transaction. */
    sealed interface Submission {
        /** Simulation failed; nothing was sent. */
        record Rejected(Response.Error error) implements Submission {}

        /** Mined, with the policy's confirmations. */
        record Landed(TransactionReceipt receipt) implements Submission {}

        /** Not mined (or not confirmed) within the receipt timeout; {@code txHash} is the newest version. */
        record Unmined(Keccak256 txHash) implements Submission {}
    }

    private record Sent(BigInteger nonce, BigInteger gasLimit, Fees fees, String signed, Keccak256 hash) {}

    /**
     * Simulates, sends and waits.
     *
     * @param to null to create a contract
     * @throws ChainException when the endpoint is unreachable or refuses the transaction (e.g. no funds)
     */
    Submission submit(String to, String data, BigInteger value, TxPolicy policy) {
        Sent sent;
        lock.lock();
        try {
            EthEstimateGas estimate = rpc(() -> web3j.ethEstimateGas(
                    new Transaction(account.address().toString(), null, null, null, to, value, data)).send());
            if (estimate.hasError()) return new Submission.Rejected(estimate.getError());
            // 20% + 10,000 over the estimate: later state (e.g. a longer array) may cost a little more
            BigInteger gasLimit = estimate.getAmountUsed().multiply(BigInteger.valueOf(6)).divide(BigInteger.valueOf(5))
                    .add(BigInteger.valueOf(10_000));
            sent = broadcastNew(to, data, value, gasLimit, rpc(() -> Fees.current(web3j, policy)));
            inFlight++;
        } finally {
            lock.unlock();
        }
        try {
            return await(sent, to, data, value, policy);
        } finally {
            lock.lock();
            inFlight--;
            lock.unlock();
        }
    }

    /** Picks a nonce and broadcasts; caller holds the lock. */
    private Sent broadcastNew(String to, String data, BigInteger value, BigInteger gasLimit, Fees fees) {
        for (int attempt = 0; ; attempt++) {
            BigInteger nonce = nonce();
            Sent sent = sign(nonce, gasLimit, to, value, data, fees);
            Response.Error error;
            try {
                error = broadcast(sent.signed());
            } catch (ChainException e) {
                nextNonce = null; // it may or may not have arrived: ask the chain next time
                throw e;
            }
            if (error == null) {
                nextNonce = nonce.add(BigInteger.ONE);
                return sent;
            }
            nextNonce = null;
            if (!nonceTaken(error) || attempt >= NONCE_RETRIES) {
                throw new ChainException("eth_sendRawTransaction from " + account.address() + " failed: " + error.getMessage()
                        + (error.getMessage().toLowerCase(Locale.ROOT).contains("insufficient funds")
                        ? " (fund the account with the chain's native currency)" : ""));
            }
        }
    }

    private BigInteger nonce() {
        BigInteger pending = rpc(() -> ChainConnection.checked(web3j.ethGetTransactionCount(account.address().toString(),
                DefaultBlockParameterName.PENDING).send(), "eth_getTransactionCount").getTransactionCount());
        int c = nextNonce == null ? 0 : pending.compareTo(nextNonce);
        if (nextNonce == null || c > 0 || (c < 0 && inFlight == 0)) nextNonce = pending;
        return nextNonce;
    }

    private Sent sign(BigInteger nonce, BigInteger gasLimit, String to, BigInteger value, String data, Fees fees) {
        RawTransaction raw;
        if (fees.legacy()) {
            raw = to == null ? RawTransaction.createContractTransaction(nonce, fees.maxFeePerGas(), gasLimit, value, data)
                    : RawTransaction.createTransaction(nonce, fees.maxFeePerGas(), gasLimit, to, value, data);
        } else {
            raw = RawTransaction.createTransaction(chainId, nonce, gasLimit, to == null ? "" : to, value, data,
                    fees.priorityFee(), fees.maxFeePerGas());
        }
        byte[] signed = fees.legacy() ? TransactionEncoder.signMessage(raw, chainId, account.credentials())
                : TransactionEncoder.signMessage(raw, account.credentials());
        String hex = Hex.encode(signed);
        return new Sent(nonce, gasLimit, fees, hex, Keccak256.parse(Hash.sha3(hex)));
    }

    /** null when the node took the transaction (or already had it). */
    private Response.Error broadcast(String signed) {
        EthSendTransaction r = rpc(() -> web3j.ethSendRawTransaction(signed).send());
        if (!r.hasError()) return null;
        String m = r.getError().getMessage().toLowerCase(Locale.ROOT);
        return m.contains("already known") || m.contains("known transaction") ? null : r.getError();
    }

    private static boolean nonceTaken(Response.Error error) {
        String m = error.getMessage().toLowerCase(Locale.ROOT);
        return m.contains("nonce too low") || m.contains("nonce has already been used") || m.contains("underpriced");
    }

    private Submission await(Sent first, String to, String data, BigInteger value, TxPolicy policy) {
        long start = System.nanoTime();
        long deadline = start + policy.receiptTimeout().toNanos();
        long lastSent = start;
        List<Keccak256> versions = new ArrayList<>(List.of(first.hash()));
        Sent newest = first;
        while (true) {
            Optional<TransactionReceipt> receipt = receiptOfAny(versions);
            long now = System.nanoTime();
            if (receipt.isPresent()) {
                if (confirmations(receipt.get()) >= policy.confirmations()) return new Submission.Landed(receipt.get());
            } else if (now - lastSent >= policy.replaceAfter().toNanos()) {
                Sent next = replace(newest, to, data, value, policy, versions);
                if (next != newest && !versions.contains(next.hash())) versions.add(next.hash());
                newest = next;
                lastSent = System.nanoTime();
            }
            if (now > deadline) return new Submission.Unmined(newest.hash());
            try {
                Thread.sleep(now - start < 2_000_000_000L ? 25 : 250); // anvil mines at once; real chains take seconds
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Submission.Unmined(newest.hash());
            }
        }
    }

    /**
     * Sends {@code stuck} again with raised fees (or unchanged when the caps leave no room, which still revives a
     * dropped transaction); with a fresh nonce when the old one went to a transaction that is not ours.
     */
    private Sent replace(Sent stuck, String to, String data, BigInteger value, TxPolicy policy, List<Keccak256> versions) {
        try {
            Fees now = Fees.current(web3j, policy);
            Sent next = stuck.fees().bumped(now, policy)
                    .map(f -> sign(stuck.nonce(), stuck.gasLimit(), to, value, data, f)).orElse(stuck);
            Response.Error error = broadcast(next.signed());
            if (error == null) return next;
            if (!error.getMessage().toLowerCase(Locale.ROOT).contains("nonce too low")) return stuck; // retry later
            if (receiptOfAny(versions).isPresent()) return stuck; // ours was mined meanwhile
            lock.lock();
            try {
                return broadcastNew(to, data, value, stuck.gasLimit(), now);
            } finally {
                lock.unlock();
            }
        } catch (IOException | ChainException e) {
            return stuck; // the endpoint is away; the wait goes on and tries again later
        }
    }

    private Optional<TransactionReceipt> receiptOfAny(List<Keccak256> hashes) {
        for (Keccak256 h : hashes.reversed()) {
            try {
                EthGetTransactionReceipt r = web3j.ethGetTransactionReceipt(h.toHex()).send();
                if (!r.hasError() && r.getTransactionReceipt().isPresent()) return r.getTransactionReceipt();
            } catch (IOException e) {
                return Optional.empty(); // the transaction is out; the chain may come back
            }
        }
        return Optional.empty();
    }

    /** Blocks from the receipt's to the head, both counted; 0 when the head cannot be read. */
    private long confirmations(TransactionReceipt rc) {
        try {
            var head = web3j.ethBlockNumber().send();
            return head.hasError() ? 0 : head.getBlockNumber().longValueExact() - rc.getBlockNumber().longValueExact() + 1;
        } catch (IOException e) {
            return 0;
        }
    }

    private <T> T rpc(ChainConnection.Rpc<T> call) {
        return ChainConnection.rpc(key.rpcUrl(), call);
    }
}
