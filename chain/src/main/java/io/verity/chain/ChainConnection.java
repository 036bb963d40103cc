package io.verity.chain;

import io.verity.chain.rpc.RpcEndpoints;
import io.verity.chain.rpc.TxPolicy;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * One account on one EVM JSON-RPC endpoint: sends transactions, makes read-only calls and reads Verity events.
 * Works with any endpoint; nothing here assumes anvil.
 *
 * <p>Transactions go through the account's one {@link TransactionSender} in this process, shared by every
 * connection of the same account to the same endpoint: it keeps the nonce, prices with EIP-1559 fees (legacy
 * only on a chain without a base fee), replaces a stuck transaction with raised fees and waits for the
 * {@link TxPolicy}'s confirmations. Every transaction is simulated first ({@code eth_estimateGas}); a contract
 * rejection comes back as {@link TxOutcome.Reverted} without spending gas. Transport and RPC failures throw
 * {@link ChainException}.
 */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class ChainConnection implements AutoCloseable {
    /** How long {@link #open(String, ChainAccount)} waits for a receipt before answering Pending. */
    public static final Duration DEFAULT_RECEIPT_TIMEOUT = TxPolicy.defaults().receiptTimeout();
    private static final Pattern HEX_DATA = Pattern.compile("0x[0-9a-fA-F]{8,}");

    private final String rpcUrl;
    private final Web3j web3j;
    private final ChainAccount account;
    private final long chainId;
    private final TxPolicy policy;
    private final TransactionSender sender;
    private volatile boolean closed;

    private ChainConnection(String rpcUrl, Web3j web3j, ChainAccount account, long chainId, TxPolicy policy) {
        this.rpcUrl = rpcUrl;
        this.web3j = web3j;
        this.account = account;
        this.chainId = chainId;
        this.policy = policy;
        this.sender = TransactionSender.acquire(rpcUrl, chainId, account);
    }

    /** {@link #open(String, ChainAccount, TxPolicy)} with {@link TxPolicy#defaults()}. */
    public static ChainConnection open(String rpcUrl, ChainAccount account) {
        return open(rpcUrl, account, TxPolicy.defaults());
    }

    /**
     * {@link #open(String, ChainAccount, TxPolicy)} with {@link TxPolicy#defaults()} but this receipt timeout.
     *
     * @param receiptTimeout how long a transaction may stay unmined before its outcome is Pending
     */
    public static ChainConnection open(String rpcUrl, ChainAccount account, Duration receiptTimeout) {
        return open(rpcUrl, account, TxPolicy.defaults().withReceiptTimeout(receiptTimeout));
    }

    /**
     * Connects and reads the chain id.
     *
     * @throws ChainException when the endpoint does not answer eth_chainId
     */
    public static ChainConnection open(String rpcUrl, ChainAccount account, TxPolicy policy) {
        Objects.requireNonNull(rpcUrl, "rpcUrl");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(policy, "policy");
        Web3j web3j = Web3j.build(RpcEndpoints.of(rpcUrl));
        try {
            long chainId = checked(web3j.ethChainId().send(), "eth_chainId").getChainId().longValueExact();
            return new ChainConnection(rpcUrl, web3j, account, chainId, policy);
        } catch (IOException | RuntimeException e) {
            web3j.shutdown();
            if (e instanceof ChainException ce) throw ce;
            throw new ChainException("cannot reach the chain at " + rpcUrl + ": " + e.getMessage(), e);
        }
    }

    /** How this connection prices, replaces and waits for transactions. */
    public TxPolicy policy() {
        return policy;
    }

    public String rpcUrl() {
        return rpcUrl;
    }

    public long chainId() {
        return chainId;
    }

    public ChainAccount account() {
        return account;
    }

    public long blockNumber() {
        return rpc(() -> checked(web3j.ethBlockNumber().send(), "eth_blockNumber").getBlockNumber().longValueExact());
    }

    /** The latest block's timestamp: the clock contracts see (anvil's moves with evm_increaseTime). */
    public java.time.Instant latestBlockTime() {
        return rpc(() -> java.time.Instant.ofEpochSecond(checked(web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send(),
                "eth_getBlockByNumber").getBlock().getTimestamp().longValueExact()));
    }

    public BigInteger balanceOf(EvmAddress address) {
        return rpc(() -> checked(web3j.ethGetBalance(address.toString(), DefaultBlockParameterName.LATEST).send(),
                "eth_getBalance").getBalance());
    }

    /** True when a contract is deployed at {@code address}. */
    public boolean hasCode(EvmAddress address) {
        return code(address).length() > 2;
    }

    /** The runtime code at {@code address} as 0x-hex; "0x" when there is none. */
    public String code(EvmAddress address) {
        String code = rpc(() -> checked(web3j.ethGetCode(address.toString(), DefaultBlockParameterName.LATEST).send(),
                "eth_getCode").getCode());
        return code == null ? "0x" : code;
    }

    /** Verity events emitted by {@code contract} in blocks [fromBlock, latest]. */
    public List<ChainEvent> events(EvmAddress contract, long fromBlock) {
        return events(new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(fromBlock)),
                DefaultBlockParameterName.LATEST, contract.toString()));
    }

    /** Verity events emitted by {@code contract} in blocks [fromBlock, toBlock]. */
    public List<ChainEvent> events(EvmAddress contract, long fromBlock, long toBlock) {
        return events(new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(fromBlock)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(toBlock)), contract.toString()));
    }

    private List<ChainEvent> events(EthFilter filter) {
        EthLog logs = rpc(() -> checked(web3j.ethGetLogs(filter).send(), "eth_getLogs"));
        List<ChainEvent> out = new ArrayList<>();
        for (EthLog.LogResult<?> r : logs.getLogs()) {
            if (r.get() instanceof Log log) Abi.all().event(log).ifPresent(out::add);
        }
        return out;
    }

    /**
     * Verity events emitted by any of {@code contracts} in blocks [fromBlock, toBlock], in chain order, each
     * with its block hash, transaction hash and log index (what an indexer needs to resume and to detect reorgs).
     */
    public List<ChainLog> logs(List<EvmAddress> contracts, long fromBlock, long toBlock) {
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(fromBlock)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(toBlock)), contracts.stream().map(EvmAddress::toString).toList());
        EthLog logs = rpc(() -> checked(web3j.ethGetLogs(filter).send(), "eth_getLogs"));
        List<ChainLog> out = new ArrayList<>();
        for (EthLog.LogResult<?> r : logs.getLogs()) {
            if (!(r.get() instanceof Log log) || log.isRemoved()) continue;
            Abi.all().event(log).ifPresent(e -> out.add(new ChainLog(e, Keccak256.parse(log.getBlockHash()),
                    Keccak256.parse(log.getTransactionHash()), log.getLogIndex().intValueExact())));
        }
        out.sort(java.util.Comparator.comparingLong(ChainLog::blockNumber).thenComparingInt(ChainLog::logIndex));
        return out;
    }

    /** A block's identity: its number, hash and timestamp (seconds). */
    public record Block(long number, Keccak256 hash, long timestamp) {}

    /** Block {@code number}, empty when the chain has no such block (yet, or any more after a reorg). */
    public Optional<Block> block(long number) {
        var b = rpc(() -> checked(web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), false)
                .send(), "eth_getBlockByNumber")).getBlock();
        return b == null ? Optional.empty()
                : Optional.of(new Block(number, Keccak256.parse(b.getHash()), b.getTimestamp().longValueExact()));
    }

    /**
     * Looks up a transaction sent earlier (e.g. one that was Pending); Pending again when still unmined or mined
     * with fewer than the policy's confirmations.
     */
    public TxOutcome outcome(Keccak256 txHash) {
        Optional<TransactionReceipt> receipt = rpc(() ->
                checked(web3j.ethGetTransactionReceipt(txHash.toHex()).send(), "eth_getTransactionReceipt").getTransactionReceipt());
        if (receipt.isEmpty()) return new TxOutcome.Pending(txHash);
        if (blockNumber() - receipt.get().getBlockNumber().longValueExact() + 1 < policy.confirmations()) {
            return new TxOutcome.Pending(txHash);
        }
        TransactionReceipt rc = receipt.get();
        if ("0x1".equals(rc.getStatus())) return outcome(rc);
        org.web3j.protocol.core.methods.response.Transaction tx = rpc(() -> checked(
                web3j.ethGetTransactionByHash(txHash.toHex()).send(), "eth_getTransactionByHash")).getTransaction().orElse(null);
        if (tx == null) return new TxOutcome.Reverted("", List.of(), Optional.of(txHash));
        return minedRevert(txHash, rc, tx.getFrom(), tx.getTo(), tx.getInput(), tx.getValue());
    }

    public List<Type> call(EvmAddress to, Function function) {
        return call(to, function, DefaultBlockParameterName.LATEST);
    }

    /**
     * {@link #call} on the state of the newest block that has the policy's confirmations (the latest block when that
     * is 1), so what it reads a shallow reorganisation cannot take back.
     */
    public List<Type> callConfirmed(EvmAddress to, Function function) {
        if (policy.confirmations() == 1) return call(to, function);
        long block = Math.max(0, blockNumber() - policy.confirmations() + 1);
        return call(to, function, DefaultBlockParameter.valueOf(BigInteger.valueOf(block)));
    }

    private List<Type> call(EvmAddress to, Function function, DefaultBlockParameter block) {
        String data = FunctionEncoder.encode(function);
        EthCall result = rpc(() -> web3j.ethCall(
                Transaction.createEthCallTransaction(account.address().toString(), to.toString(), data), block).send());
        if (result.hasError() || result.isReverted()) {
            String revert = revertData(result.getError(), result.getRevertReason());
            if (revert == null && result.hasError()) {
                throw new ChainException(function.getName() + ": RPC error " + result.getError().getMessage());
            }
            throw new ContractRevertedException(function.getName(), Abi.all().revert(revert, Optional.empty()));
        }
        return FunctionReturnDecoder.decode(result.getValue(), function.getOutputParameters());
    }

    /** Gas eth_estimateGas reports for calling {@code function} (intrinsic 21,000 included). */
    long estimateGas(EvmAddress to, Function function) {
        EthEstimateGas estimate = rpc(() -> web3j.ethEstimateGas(new Transaction(account.address().toString(), null, null,
                null, to.toString(), BigInteger.ZERO, FunctionEncoder.encode(function))).send());
        if (estimate.hasError()) throw new ChainException("eth_estimateGas failed: " + estimate.getError().getMessage());
        return estimate.getAmountUsed().longValueExact();
    }

    public TxOutcome send(EvmAddress to, Function function, BigInteger value) {
        return send(to.toString(), FunctionEncoder.encode(function), value);
    }

    /** Deploys creation code; the contract address is in the Confirmed outcome's receipt. */
    public EvmAddress deploy(String creationCode) {
        TxOutcome outcome = send(null, creationCode, BigInteger.ZERO);
        if (!(outcome instanceof TxOutcome.Confirmed c)) {
            throw new ChainException("contract deployment did not confirm: " + outcome);
        }
        TransactionReceipt receipt = rpc(() -> checked(web3j.ethGetTransactionReceipt(c.txHash().toHex()).send(),
                "eth_getTransactionReceipt").getTransactionReceipt()).orElseThrow(() -> new ChainException(
                "the receipt of deployment " + c.txHash() + " vanished (a reorganisation?)"));
        return EvmAddress.parse(receipt.getContractAddress());
    }

    private TxOutcome send(String to, String data, BigInteger value) {
        if (closed) throw new IllegalStateException("connection to " + rpcUrl + " is closed");
        return switch (sender.submit(to, data, value, policy)) {
            case TransactionSender.Submission.Rejected r -> {
                String revert = revertData(r.error(), null);
                if (revert == null && !r.error().getMessage().contains("revert")) {
                    throw new ChainException("eth_estimateGas failed: " + r.error().getMessage());
                }
                yield Abi.all().revert(revert, Optional.empty());
            }
            case TransactionSender.Submission.Unmined u -> new TxOutcome.Pending(u.txHash());
            case TransactionSender.Submission.Landed l -> "0x1".equals(l.receipt().getStatus()) ? outcome(l.receipt())
                    : minedRevert(Keccak256.parse(l.receipt().getTransactionHash()), l.receipt(),
                    account.address().toString(), to, data, value);
        };
    }

    private TxOutcome outcome(TransactionReceipt rc) {
        Keccak256 hash = Keccak256.parse(rc.getTransactionHash());
        if (!"0x1".equals(rc.getStatus())) return new TxOutcome.Reverted("", List.of(), Optional.of(hash));
        List<ChainEvent> events = new ArrayList<>();
        for (Log log : rc.getLogs()) Abi.all().event(log).ifPresent(events::add);
        return new TxOutcome.Confirmed(hash, rc.getBlockNumber().longValueExact(), rc.getGasUsed().longValueExact(), events);
    }

    /**
     * A mined transaction failed: replay it as a call on the state after its block to learn the error.
     * That state includes the transactions mined before it in the same block, which is what usually made
     * a transaction that simulated fine revert (e.g. the same batch committed twice).
     */
    private TxOutcome minedRevert(Keccak256 txHash, TransactionReceipt rc, String from, String to, String data, BigInteger value) {
        try {
            EthCall replay = web3j.ethCall(new Transaction(from, null, null, null, to, value, data),
                    DefaultBlockParameter.valueOf(rc.getBlockNumber())).send();
            return Abi.all().revert(revertData(replay.getError(), replay.getRevertReason()), Optional.of(txHash));
        } catch (IOException e) {
            return new TxOutcome.Reverted("", List.of(), Optional.of(txHash));
        }
    }

    private static String revertData(Response.Error error, String fallback) {
        String raw = error != null && error.getData() != null ? error.getData() : fallback;
        if (raw == null) return null;
        Matcher m = HEX_DATA.matcher(raw);
        return m.find() ? m.group() : null;
    }

    /** {@code response}, or a ChainException naming {@code method} when it carries an RPC error. */
    static <R extends Response<?>> R checked(R response, String method) {
        if (response.hasError()) {
            throw new ChainException(method + " failed: " + response.getError().getMessage());
        }
        return response;
    }

    /** One JSON-RPC exchange; a transport failure becomes a ChainException naming the endpoint. */
    interface Rpc<T> {
        T get() throws IOException;
    }

    static <T> T rpc(String rpcUrl, Rpc<T> call) {
        try {
            return call.get();
        } catch (IOException e) {
            throw new ChainException("chain at " + rpcUrl + " unreachable: " + e.getMessage(), e);
        }
    }

    private <T> T rpc(Rpc<T> call) {
        return rpc(rpcUrl, call);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        sender.release();
        web3j.shutdown();
    }
}
