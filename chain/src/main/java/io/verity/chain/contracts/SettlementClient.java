package io.verity.chain.contracts;

import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.ChainException;
import io.verity.chain.ContractRevertedException;
import io.verity.chain.TxOutcome;
import io.verity.chain.W3;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;

/** Typed calls to a deployed Settlement contract, as the connection's account. */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class SettlementClient extends ContractClient {
    public SettlementClient(ChainConnection chain, EvmAddress address) {
        super(chain, address);
    }

    /**
     * Commits a batch of the caller's receipts. The new batch id is the {@code batchId} argument of the
     * BatchCommitted event in the Confirmed outcome (see {@link #committedBatchId(TxOutcome.Confirmed)}).
     */
    public TxOutcome commitBatch(Keccak256 root, long count, String uri) {
        return send(W3.fn("commitBatch", W3.bytes32(root), W3.uint64(count), new Utf8String(uri)));
    }

    /**
     * Makes sure the caller's batch with this root is on chain, whatever happened to earlier attempts, and
     * returns its id: the existing batch when this node already committed {@code root}, else a new one.
     * Safe to call again after any failure, so a node can retry it until it returns. Returns only once the batch
     * has the connection's {@link io.verity.chain.rpc.TxPolicy#confirmations()}: a batch a reorganisation took back
     * before that is committed again (its transaction is sent again until it is that deep).
     *
     * @throws ChainException when the chain is unreachable or the transaction is still pending or not yet deep
     *     enough (retry later)
     * @throws ContractRevertedException when the contract refuses the batch (e.g. NodeNotStaked, ZeroRoot)
     */
    public long commitIdempotently(Keccak256 root, long count, String uri) {
        OptionalLong existing = batchIdOf(chain.account().address(), root, true);
        if (existing.isPresent()) return existing.getAsLong();
        return switch (commitBatch(root, count, uri)) {
            case TxOutcome.Confirmed c -> committedBatchId(c);
            // committed already; with more than one confirmation required, only once the commit is that deep
            case TxOutcome.Reverted r when r.errorName().equals("BatchAlreadyCommitted") && chain.policy().confirmations() == 1 ->
                    ((BigInteger) r.args().get(2)).longValueExact();
            case TxOutcome.Reverted r when r.errorName().equals("BatchAlreadyCommitted") -> throw new ChainException("batch "
                    + root + " is committed but not yet " + chain.policy().confirmations() + " blocks deep; call again to check");
            case TxOutcome.Reverted r -> throw new ContractRevertedException("commitBatch", r);
            case TxOutcome.Pending p -> throw new ChainException("commitBatch transaction " + p.txHash()
                    + " is not mined yet; call again to check");
        };
    }

    /** The id of the batch a confirmed {@link #commitBatch} created. */
    public static long committedBatchId(TxOutcome.Confirmed confirmed) {
        return confirmed.event("BatchCommitted").<BigInteger>arg("batchId").longValueExact();
    }

    /**
     * Anyone reports two receipts by the same node for the same request and model with different outputs.
     * Events EquivocationSlashed (Settlement) and Slashed (NodeRegistry).
     */
    public TxOutcome reportEquivocation(SignedReceipt a, SignedReceipt b) {
        if (a.receipt().isV2() != b.receipt().isV2()) {
            throw new IllegalArgumentException("both receipts must have one format (v1 or v2), got versions "
                    + a.receipt().version() + " and " + b.receipt().version());
        }
        return send(W3.fn(W3.forVersion("reportEquivocation", a.receipt()), W3.receipt(a.receipt()), W3.signature(a), W3.receipt(b.receipt()),
                W3.signature(b)));
    }

    public long batchCount() {
        return W3.uint(call(W3.fn("batchCount", List.of(), "uint256")), 0).longValueExact();
    }

    /** When batch {@code batchId} was committed (Settlement's record: the time DisputeGame's window runs from); one call. */
    public Optional<Instant> committedAt(long batchId) {
        return callUnless("UnknownBatch", W3.fn("getBatch", List.of(W3.uint256(batchId)), "address", "bytes32", "uint64", "uint64", "uint64"))
                .map(r -> W3.seconds(r, 3));
    }

    /** The batch, with its URI read from the BatchCommitted event in the block that committed it. */
    public Optional<BatchInfo> batch(long batchId) {
        var found = callUnless("UnknownBatch", W3.fn("getBatch", List.of(W3.uint256(batchId)), "address", "bytes32", "uint64", "uint64", "uint64"));
        if (found.isEmpty()) return Optional.empty();
        List<Type> r = found.get();
        long block = W3.uint(r, 4).longValueExact();
        String uri = chain.events(address, block, block).stream()
                .filter(e -> e.name().equals("BatchCommitted") && e.<BigInteger>arg("batchId").longValueExact() == batchId)
                .map(e -> e.<String>arg("uri"))
                .findFirst()
                .orElseThrow(() -> new ChainException("batch " + batchId + " has no BatchCommitted event in block " + block
                        + "; the endpoint may have pruned its logs"));
        return Optional.of(new BatchInfo(batchId, (EvmAddress) W3.java(r, 0), (Keccak256) W3.java(r, 1),
                W3.uint(r, 2).longValueExact(), W3.seconds(r, 3), block, uri));
    }

    /** The id of the batch {@code node} committed with {@code root}, if it did. */
    public OptionalLong batchIdOf(EvmAddress node, Keccak256 root) {
        return batchIdOf(node, root, false);
    }

    private OptionalLong batchIdOf(EvmAddress node, Keccak256 root, boolean confirmed) {
        return callUnless("UnknownBatch", W3.fn("batchIdOf", List.of(W3.address(node), W3.bytes32(root)), "uint256"), confirmed)
                .map(r -> OptionalLong.of(W3.uint(r, 0).longValueExact())).orElseGet(OptionalLong::empty);
    }

    /** The receipt id as the contract computes it (EIP-712 digest in this contract's domain). */
    public Keccak256 receiptId(Receipt r) {
        return (Keccak256) W3.java(call(W3.fn(W3.forVersion("receiptId", r), List.of(W3.receipt(r)), "bytes32")), 0);
    }

    public Keccak256 domainSeparator() {
        return (Keccak256) W3.java(call(W3.fn("domainSeparator", List.of(), "bytes32")), 0);
    }

    /** @throws ContractRevertedException UnknownBatch for an unknown batch id */
    public boolean isIncluded(long batchId, Keccak256 receiptId, List<Keccak256> proof) {
        return (Boolean) W3.java(call(W3.fn("isIncluded",
                List.of(W3.uint256(batchId), W3.bytes32(receiptId), W3.bytes32s(proof)), "bool")), 0);
    }

    /**
     * The full on-chain check of a settled receipt: signed by {@code r.receipt().node()}, in a batch that node
     * committed, under {@code proof}.
     */
    public SettledCheck verifyReceipt(SignedReceipt r, long batchId, List<Keccak256> proof) {
        try {
            List<Type> out = call(W3.fn(W3.forVersion("verifyReceipt", r.receipt()),
                    List.of(W3.receipt(r.receipt()), W3.signature(r), W3.uint256(batchId), W3.bytes32s(proof)),
                    "bytes32", "uint64", "uint64"));
            return new SettledCheck.Settled((Keccak256) W3.java(out, 0), batchId,
                    Instant.ofEpochSecond(W3.uint(out, 1).longValueExact()), W3.uint(out, 2).longValueExact());
        } catch (ContractRevertedException e) {
            return new SettledCheck.Rejected(e.errorName(), e.args());
        }
    }

    public BigInteger slashBps() {
        return W3.uint(call(W3.fn("slashBps", List.of(), "uint16")), 0);
    }

    public BigInteger reporterBps() {
        return W3.uint(call(W3.fn("reporterBps", List.of(), "uint16")), 0);
    }

    /** Batches committed from block {@code fromBlock} on, as BatchCommitted events. */
    public List<ChainEvent> batchEvents(long fromBlock) {
        return chain.events(address, fromBlock).stream().filter(e -> e.name().equals("BatchCommitted")).toList();
    }
}
