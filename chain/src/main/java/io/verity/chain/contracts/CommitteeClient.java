package io.verity.chain.contracts;

import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.TxOutcome;
import io.verity.chain.W3;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.URI;
import java.util.List;
import java.util.OptionalLong;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.utils.Numeric;

/**
 * Typed calls to a deployed CommitteeDisputes, as the connection's account: a challenger opens a dispute, anyone
 * draws the committee and resolves, members commit and reveal their votes, winners withdraw.
 */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class CommitteeClient extends ContractClient {
    public CommitteeClient(ChainConnection chain, EvmAddress address) {
        super(chain, address);
    }

    /**
     * Disputes a settled receipt, posting {@code bond} wei: {@code challengerOutputs} is the challenger's own answer's
     * outputs digest, {@code inputsUri} where it serves the inputs and the accused outputs (members check them against
     * the receipt). Event DisputeOpened (see {@link #openedId}); reverts NotComparable for a model whose rule is None.
     */
    public TxOutcome open(SignedReceipt r, long batchId, List<Keccak256> proof, Keccak256 challengerOutputs, URI inputsUri,
                          BigInteger bond) {
        return chain.send(address, W3.fn(W3.forVersion("open", r.receipt()), W3.receipt(r.receipt()), W3.signature(r),
                W3.uint256(batchId), W3.bytes32s(proof), W3.bytes32(challengerOutputs), new Utf8String(inputsUri.toString())), bond);
    }

    /** The id of the dispute a confirmed {@link #open} created. */
    public static long openedId(TxOutcome.Confirmed confirmed) {
        return confirmed.event("DisputeOpened").<BigInteger>arg("disputeId").longValueExact();
    }

    /** Draws the committee once the seed block is mined (event CommitteeDrawn); before that it changes nothing. */
    public TxOutcome draw(long disputeId) {
        return send(W3.fn("draw", W3.uint256(disputeId)));
    }

    /** The sealed vote {@link #commitmentOf} gives. Event VoteCommitted. */
    public TxOutcome commitVote(long disputeId, Keccak256 commitment) {
        return send(W3.fn("commitVote", W3.uint256(disputeId), W3.bytes32(commitment)));
    }

    /** Opens this account's commitment. Event VoteRevealed. */
    public TxOutcome revealVote(long disputeId, boolean agrees, Keccak256 salt) {
        return send(W3.fn("revealVote", W3.uint256(disputeId), new Bool(agrees), W3.bytes32(salt)));
    }

    /** Decides the dispute once every member revealed or the reveal deadline passed. Event Resolved. */
    public TxOutcome resolve(long disputeId) {
        return send(W3.fn("resolve", W3.uint256(disputeId)));
    }

    /** Pays out what the caller won (bond, reward, committee share). Event Withdrawn. */
    public TxOutcome withdraw() {
        return send(W3.fn("withdraw"));
    }

    /** keccak256(abi.encode(disputeId, member, agrees, salt)), as the contract computes it. */
    public static Keccak256 commitmentOf(long disputeId, EvmAddress member, boolean agrees, Keccak256 salt) {
        String encoded = FunctionEncoder.encodeConstructor(List.<Type>of(W3.uint256(disputeId), W3.address(member),
                new Bool(agrees), W3.bytes32(salt)));
        return Keccak256.hash(Numeric.hexStringToByteArray(encoded));
    }

    /** @throws io.verity.chain.ContractRevertedException UnknownDispute for an unknown id */
    public CommitteeDispute dispute(long disputeId) {
        List<Type> s = call(W3.fn("subject", List.of(W3.uint256(disputeId)), "bytes32", "bytes32", "bytes32", "bytes32",
                "bytes32", "address", "address", "uint256", "string"));
        List<Type> t = call(W3.fn("status", List.of(W3.uint256(disputeId)), "uint8", "uint8", "uint64", "uint64", "uint64",
                "uint64", "uint64", "uint8", "uint8"));
        return new CommitteeDispute(disputeId, (Keccak256) W3.java(s, 0), (Keccak256) W3.java(s, 1),
                (Keccak256) W3.java(s, 2), (Keccak256) W3.java(s, 3), (Keccak256) W3.java(s, 4), (EvmAddress) W3.java(s, 5),
                (EvmAddress) W3.java(s, 6), W3.uint(s, 7), URI.create((String) W3.java(s, 8)),
                CommitteeDispute.State.values()[W3.uint(t, 0).intValueExact()],
                ComparisonRule.of(W3.uint(t, 1).intValueExact(), W3.uint(t, 2).longValueExact(), W3.uint(t, 3).longValueExact()),
                W3.uint(t, 4).longValueExact(), W3.uint(t, 5).longValueExact(), W3.uint(t, 6).longValueExact(),
                W3.uint(t, 7).intValueExact(), W3.uint(t, 8).intValueExact());
    }

    @SuppressWarnings("unchecked")
    public List<EvmAddress> committee(long disputeId) {
        return (List<EvmAddress>) W3.java(call(W3.fn("committee", List.of(W3.uint256(disputeId)), "address[]")), 0);
    }

    public long disputeCount() {
        return W3.uint(call(W3.fn("disputeCount", List.of(), "uint256")), 0).longValueExact();
    }

    /** Whether members may reveal now (every member committed, or the commit deadline passed). */
    public boolean revealOpen(long disputeId) {
        return (Boolean) W3.java(call(W3.fn("revealOpen", List.of(W3.uint256(disputeId)), "bool")), 0);
    }

    /** The member's commitment, zero when it has not committed. */
    public Keccak256 commitment(long disputeId, EvmAddress member) {
        return (Keccak256) W3.java(call(W3.fn("commitments", List.of(W3.uint256(disputeId), W3.address(member)), "bytes32")), 0);
    }

    /** 0 not revealed, 1 agrees (node right), 2 disagrees (node wrong). */
    public int voteOf(long disputeId, EvmAddress member) {
        return W3.uint(call(W3.fn("votes", List.of(W3.uint256(disputeId), W3.address(member)), "uint8")), 0).intValueExact();
    }

    /** The open dispute on this receipt, if any. */
    public OptionalLong openDispute(Keccak256 receiptId) {
        long v = W3.uint(call(W3.fn("openDispute", List.of(W3.bytes32(receiptId)), "uint256")), 0).longValueExact();
        return v == 0 ? OptionalLong.empty() : OptionalLong.of(v - 1);
    }

    public boolean convicted(Keccak256 receiptId) {
        return (Boolean) W3.java(call(W3.fn("convicted", List.of(W3.bytes32(receiptId)), "bool")), 0);
    }

    public BigInteger claimable(EvmAddress who) {
        return W3.uint(call(W3.fn("claimable", List.of(W3.address(who)), "uint256")), 0);
    }

    /** The least bond the current parameters ask for. */
    public BigInteger minBond() {
        return W3.uint(call(W3.fn("params", List.of(), "uint256", "uint256", "uint64", "uint64", "uint64", "uint16", "uint16",
                "uint8")), 0);
    }

    /** Owner only: new parameters for disputes opened from now on. Event ParamsSet. */
    public TxOutcome setParams(org.web3j.abi.datatypes.StaticStruct params) {
        return send(W3.fn("setParams", params));
    }

    /** CommitteeDisputes events (DisputeOpened, CommitteeDrawn, VoteCommitted, VoteRevealed, MemberPenalized, Resolved…). */
    public List<ChainEvent> events(long fromBlock) {
        return chain.events(address, fromBlock);
    }
}
