package io.verity.chain.contracts;

import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.TxOutcome;
import io.verity.chain.W3;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.merkle.TraceProof;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.Type;

/**
 * Typed calls to a deployed DisputeGame, as the connection's account: a challenger opens and answers, the
 * node (or anyone holding its trace) reveals, committee members vote, anyone times a game out.
 */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class DisputeClient extends ContractClient {
    public DisputeClient(ChainConnection chain, EvmAddress address) {
        super(chain, address);
    }

    /**
     * Challenges a settled receipt whose trace has {@code n} entries, posting {@code bond} wei. The contract
     * re-checks the receipt with Settlement.verifyReceipt. Event DisputeOpened (see {@link #openedGameId}).
     */
    public TxOutcome open(SignedReceipt r, long batchId, List<Keccak256> proof, long n, BigInteger bond) {
        return chain.send(address, W3.fn(W3.forVersion("open", r.receipt()), W3.receipt(r.receipt()), W3.signature(r), W3.uint256(batchId), W3.bytes32s(proof),
                W3.uint64(n)), bond);
    }

    /** The id of the game a confirmed {@link #open} created. */
    public static long openedGameId(TxOutcome.Confirmed confirmed) {
        return confirmed.event("DisputeOpened").<BigInteger>arg("gameId").longValueExact();
    }

    /**
     * The node's first move on an on-challenge receipt (state AWAIT_TRACE), sent as the node: the opening of the
     * last entry of the trace it recomputed, whose digest must be the signed outputsDigest; its root and length
     * become the game's. Event TraceCommitted; reverts NotNode, NotLastEntry, InvalidProof, TraceNotOutputs or
     * DeadlinePassed (after {@link #commitBlock}).
     */
    public TxOutcome commitTrace(long gameId, TraceProof last) {
        return send(W3.fn("commitTrace", W3.uint256(gameId), W3.reveal(last)));
    }

    /** The last block in which the node of an on-challenge receipt may commit its trace (0 for an eager receipt). */
    public long commitBlock(long gameId) {
        return W3.uint(call(W3.fn("commitBlockOf", List.of(W3.uint256(gameId)), "uint64")), 0).longValueExact();
    }

    /**
     * Whether {@link #timeout} would end game {@code d} now: AWAIT_TRACE after its commit block, a bisection move or
     * the vote after its deadline (the chain's clock); never while drawing or once finished.
     */
    public boolean timeoutDue(Dispute d) {
        return switch (d.state()) {
            case AWAIT_TRACE -> connection().blockNumber() > commitBlock(d.id());
            case AWAIT_NODE, AWAIT_CHALLENGER, VOTING -> connection().latestBlockTime().isAfter(d.deadline());
            default -> false;
        };
    }

    /** The node's move: the entry the game asks for, opened against the receipt's traceRoot. Event Revealed. */
    public TxOutcome reveal(long gameId, TraceProof opening) {
        return send(W3.fn("reveal", W3.uint256(gameId), W3.reveal(opening)));
    }

    /** Ends the game against the challenger with an opening whose leaf count differs from its claimed n. */
    public TxOutcome disproveLength(long gameId, TraceProof opening) {
        return send(W3.fn("disproveLength", W3.uint256(gameId), W3.reveal(opening)));
    }

    /**
     * Convicts a settled verity-det/2 receipt at once when {@code last}, an opening of the last entry of its
     * trace (tensorsDigest of the graph outputs), differs from its outputsDigest. Event OutputsProven; reverts
     * NotLastEntry, InvalidProof, OutputsMatch (an honest receipt), NoOutputsEntry (another engine) or AlreadyConvicted.
     */
    public TxOutcome proveOutputs(SignedReceipt r, long batchId, List<Keccak256> proof, TraceProof last) {
        return send(W3.fn(W3.forVersion("proveOutputs", r.receipt()), W3.receipt(r.receipt()), W3.signature(r), W3.uint256(batchId),
                W3.bytes32s(proof), W3.reveal(last)));
    }

    /** The challenger's move. Event Responded, and DrawCommitted when the bisection is over. */
    public TxOutcome respond(long gameId, boolean agree) {
        return send(W3.fn("respond", W3.uint256(gameId), new Bool(agree)));
    }

    /** A committee member's vote. Event Voted, and Resolved once every member voted. */
    public TxOutcome vote(long gameId, boolean nodeRight) {
        return send(W3.fn("vote", W3.uint256(gameId), new Bool(nodeRight)));
    }

    /**
     * In DRAWING: draws the committee once block {@link #drawBlock} is mined (event CommitteeChosen); before
     * that it changes nothing (but mines a block on an automining devnet), and after the 256-block window it
     * re-commits (event DrawCommitted).
     */
    public TxOutcome draw(long gameId) {
        return send(W3.fn("draw", W3.uint256(gameId)));
    }

    /** The block whose hash seeds the game's committee (0 until the bisection is over). */
    public long drawBlock(long gameId) {
        return W3.uint(call(W3.fn("drawBlockOf", List.of(W3.uint256(gameId)), "uint64")), 0).longValueExact();
    }

    /**
     * One party's driver of the DRAWING step: call {@link #step} on every poll. It draws once the committed
     * block is past, and before that sends at most one no-op {@code draw} per block it sees, because a devnet
     * that mines a block per transaction would otherwise never reach the committed block (on a chain with its
     * own block time that costs a few cheap transactions per game). Not thread-safe: one per polling loop.
     */
    public static final class Drawer {
        private long poked = -1;

        /** @return whether it sent a transaction */
        public boolean step(DisputeClient games, Dispute d) {
            if (d.state() != Dispute.State.DRAWING) return false;
            long tip = games.connection().blockNumber();
            if (tip <= games.drawBlock(d.id()) && tip == poked) return false;
            poked = tip;
            games.draw(d.id());
            return true;
        }
    }

    /** After a deadline: the party to move loses, or the votes cast decide. Event Resolved. */
    public TxOutcome timeout(long gameId) {
        return send(W3.fn("timeout", W3.uint256(gameId)));
    }

    /** Pays out what the caller won (bond, reward, committee share). Event Withdrawn. */
    public TxOutcome withdraw() {
        return send(W3.fn("withdraw"));
    }

    /** @throws ContractRevertedException UnknownGame for an unknown id */
    public Dispute game(long gameId) {
        List<Type> p = call(W3.fn("parties", List.of(W3.uint256(gameId)),
                "bytes32", "bytes32", "address", "address", "uint256"));
        List<Type> g = call(W3.fn("progress", List.of(W3.uint256(gameId)),
                "uint8", "uint64", "int64", "uint64", "uint64", "uint64", "uint32", "bytes32", "bytes32"));
        return new Dispute(gameId, (Keccak256) W3.java(p, 0), (Keccak256) W3.java(p, 1), (EvmAddress) W3.java(p, 2),
                (EvmAddress) W3.java(p, 3), W3.uint(p, 4), Dispute.State.values()[W3.uint(g, 0).intValueExact()],
                W3.uint(g, 1).longValueExact(), W3.uint(g, 2).longValueExact(), W3.uint(g, 3).longValueExact(),
                W3.uint(g, 4).longValueExact(), W3.seconds(g, 5), W3.uint(g, 6).intValueExact(),
                (Keccak256) W3.java(g, 7), (Keccak256) W3.java(g, 8));
    }

    /**
     * The node's opening the challenger must judge (state AWAIT_CHALLENGER): chain(next) is compared with the
     * challenger's own chain value at that index.
     *
     * @throws ContractRevertedException WrongState in any other state
     */
    public Keccak256 pendingChain(long gameId) {
        return (Keccak256) W3.java(call(W3.fn("pending", List.of(W3.uint256(gameId)), "uint64", "bytes32", "bytes32")), 1);
    }

    @SuppressWarnings("unchecked")
    public List<EvmAddress> committee(long gameId) {
        return (List<EvmAddress>) W3.java(call(W3.fn("committee", List.of(W3.uint256(gameId)), "address[]")), 0);
    }

    public long gameCount() {
        return W3.uint(call(W3.fn("gameCount", List.of(), "uint256")), 0).longValueExact();
    }

    /** The open game on this receipt, if any. */
    public OptionalLong openGame(Keccak256 receiptId) {
        long v = W3.uint(call(W3.fn("openGame", List.of(W3.bytes32(receiptId)), "uint256")), 0).longValueExact();
        return v == 0 ? OptionalLong.empty() : OptionalLong.of(v - 1);
    }

    public boolean convicted(Keccak256 receiptId) {
        return (Boolean) W3.java(call(W3.fn("convicted", List.of(W3.bytes32(receiptId)), "bool")), 0);
    }

    /** 0 not voted, 1 node right, 2 node wrong. */
    public int voteOf(long gameId, EvmAddress member) {
        return W3.uint(call(W3.fn("votes", List.of(W3.uint256(gameId), W3.address(member)), "uint8")), 0).intValueExact();
    }

    public BigInteger claimable(EvmAddress who) {
        return W3.uint(call(W3.fn("claimable", List.of(W3.address(who)), "uint256")), 0);
    }

    /** How many times {@code member} voted against a committee's majority. */
    public long wrongVotes(EvmAddress member) {
        return W3.uint(call(W3.fn("wrongVotes", List.of(W3.address(member)), "uint256")), 0).longValueExact();
    }

    /**
     * How long after its batch commit a receipt can be opened (DisputeGame.disputeWindow); a node keeps the inputs of
     * its disputable receipts that long.
     */
    public Duration disputeWindow() {
        return Duration.ofSeconds(W3.uint(call(W3.fn("disputeWindow", List.of(), "uint64")), 0).longValueExact());
    }

    public BigInteger minBond() {
        return W3.uint(call(W3.fn("minBond", List.of(), "uint256")), 0);
    }

    /** The traceRoot marker of on-challenge receipts this deployment knows (protocol's {@code Receipt.TRACE_ON_CHALLENGE}). */
    public Keccak256 traceOnChallenge() {
        return (Keccak256) W3.java(call(W3.fn("TRACE_ON_CHALLENGE", List.of(), "bytes32")), 0);
    }

    /** The traceRoot an opening leads to, as the contract computes it (zero for a malformed one). */
    public Keccak256 traceRootOf(TraceProof opening) {
        return (Keccak256) W3.java(call(W3.fn("traceRootOf", List.of(W3.reveal(opening)), "bytes32")), 0);
    }

    /** DisputeGame events (DisputeOpened, Revealed, Responded, CommitteeChosen, Voted, WrongVote, Resolved…) from a block on. */
    public List<ChainEvent> events(long fromBlock) {
        return chain.events(address, fromBlock);
    }
}
