package io.verity.node.dispute;

import io.verity.chain.ContractRevertedException;
import io.verity.chain.contracts.Dispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.protocol.merkle.TraceProof;
import io.verity.chain.TxOutcome;
import io.verity.engine.det.DeterministicModel;
import io.verity.engine.det.ExecutionTrace;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The challenger's side of a dispute: re-runs the request with its own deterministic model, opens a game when
 * its trace root differs from the receipt's, and answers every bisection step by comparing the node's revealed
 * chain value with its own. It calls {@code timeout} when the node (or the committee) lets a deadline pass.
 * When the trace root is right but the signed outputsDigest is not the trace's last entry, no game is needed:
 * {@link #challenge} sends the contract's outputs proof instead, which slashes the node at once. An on-challenge
 * receipt ({@code Receipt.TRACE_ON_CHALLENGE}) signs no root: it is disputed when its outputsDigest is not this
 * challenger's, and the game bisects against the root the node commits when challenged.
 */
public final class Challenger {
    private final DisputeClient games;
    private final DeterministicModel model;
    private final Consumer<String> report;

    /** @param report one line per move, for logs and the CLI */
    public Challenger(DisputeClient games, DeterministicModel model, Consumer<String> report) {
        this.games = Objects.requireNonNull(games, "games");
        this.model = Objects.requireNonNull(model, "model");
        this.report = Objects.requireNonNull(report, "report");
    }

    /** A challenge that was opened, with the challenger's own trace. */
    public record Opened(long gameId, ExecutionTrace trace) {}

    /** What {@link #challenge} did: opened a game, or convicted the receipt with the outputs proof. */
    public sealed interface Challenge {
        record Game(Opened opened) implements Challenge {}

        /** @param slashed wei taken from the node; {@code reward} of it is claimable by the prover (or open game's challenger) */
        record Proven(Keccak256 receiptId, BigInteger slashed, BigInteger reward) implements Challenge {}
    }

    /**
     * Re-runs the receipt's request and disputes it the cheapest way that works: the outputs proof when the
     * trace root is what this challenger computes but the signed outputsDigest is not the trace's last entry,
     * else a game (see {@link #open}); an on-challenge receipt always by a game.
     *
     * @throws IllegalArgumentException as {@link #open}, and when root and outputs are both right
     * @throws ContractRevertedException when the contract refuses
     */
    public Challenge challenge(SignedReceipt signed, List<Tensor> inputs, long batchId, List<Keccak256> proof, BigInteger bond) {
        ExecutionTrace mine = rerun(signed, inputs);
        if (signed.receipt().traceOnChallenge() || !mine.root().equals(signed.receipt().traceRoot())) {
            return new Challenge.Game(open(signed, mine, batchId, proof, bond));
        }
        return proveOutputs(signed, mine, batchId, proof);
    }

    /**
     * The outputs proof for a receipt whose traceRoot this challenger reproduces: the opening of its last entry
     * (tensorsDigest of the graph outputs) against the signed outputsDigest.
     *
     * @throws IllegalArgumentException when the trace root differs (a game decides that) or the outputs match
     * @throws ContractRevertedException when the contract refuses (e.g. not settled, already convicted)
     */
    public Challenge.Proven proveOutputs(SignedReceipt signed, List<Tensor> inputs, long batchId, List<Keccak256> proof) {
        return proveOutputs(signed, rerun(signed, inputs), batchId, proof);
    }

    private Challenge.Proven proveOutputs(SignedReceipt signed, ExecutionTrace mine, long batchId, List<Keccak256> proof) {
        var r = signed.receipt();
        if (!mine.root().equals(r.traceRoot())) {
            throw new IllegalArgumentException("the receipt's traceRoot " + r.traceRoot() + " differs from this challenger's "
                    + mine.root() + ": open a game instead");
        }
        TraceProof last = mine.proof(mine.size() - 1);
        if (last.digest().equals(r.outputsDigest())) {
            throw new IllegalArgumentException("the receipt's traceRoot and outputsDigest are what this challenger computes: nothing to dispute");
        }
        TxOutcome out = games.proveOutputs(signed, batchId, proof, last);
        if (out instanceof TxOutcome.Reverted rev) throw new ContractRevertedException("proveOutputs", rev.errorName(), rev.args());
        var e = out.confirmed().event("OutputsProven");
        Challenge.Proven proven = new Challenge.Proven(signed.id(), e.<BigInteger>arg("slashed"), e.<BigInteger>arg("reward"));
        report.accept("proved receipt " + signed.id() + " of " + r.node() + " wrong: its trace's last entry " + shortHex(last.digest())
                + " != signed outputsDigest " + shortHex(r.outputsDigest()) + "; slashed " + proven.slashed() + " wei at once, no game");
        return proven;
    }

    private ExecutionTrace rerun(SignedReceipt signed, List<Tensor> inputs) {
        var r = signed.receipt();
        if (!r.engine().equals(model.engineId())) { // another contract or trace format: every root would differ, wrongly
            throw new IllegalArgumentException("receipt was signed by " + r.engine() + ", this challenger reproduces "
                    + model.engineId() + " traces only (DeterministicEngines picks the model's contract by the receipt's engine)");
        }
        if (!r.modelDigest().equals(model.digest())) {
            throw new IllegalArgumentException("receipt is for model " + r.modelDigest() + ", challenger holds " + model.digest());
        }
        if (!TensorDigests.tensorsDigest(inputs).equals(r.inputsDigest())) {
            throw new IllegalArgumentException("inputs do not hash to the receipt's inputsDigest " + r.inputsDigest());
        }
        return model.trace(inputs);
    }

    /**
     * Re-runs the receipt's request and opens a game when the trace differs.
     *
     * @throws IllegalArgumentException when the inputs are not the receipt's, the model is not the receipt's, or
     *     the trace root matches (on an on-challenge receipt: the outputsDigest matches): nothing to dispute
     * @throws ContractRevertedException when the contract refuses (e.g. not settled, already disputed)
     */
    public Opened open(SignedReceipt signed, List<Tensor> inputs, long batchId, List<Keccak256> proof, BigInteger bond) {
        return open(signed, rerun(signed, inputs), batchId, proof, bond);
    }

    private Opened open(SignedReceipt signed, ExecutionTrace mine, long batchId, List<Keccak256> proof, BigInteger bond) {
        var r = signed.receipt();
        if (r.traceOnChallenge() && mine.entries().getLast().digest().equals(r.outputsDigest())) {
            throw new IllegalArgumentException("the receipt's outputsDigest " + r.outputsDigest() + " is what this challenger computes: nothing to dispute");
        }
        if (mine.root().equals(r.traceRoot())) {
            throw new IllegalArgumentException("the receipt's traceRoot " + r.traceRoot() + " is what this challenger computes: nothing to dispute");
        }
        TxOutcome out = games.open(signed, batchId, proof, mine.size(), bond);
        if (out instanceof TxOutcome.Reverted rev) throw new ContractRevertedException("open", rev.errorName(), rev.args());
        long id = DisputeClient.openedGameId(out.confirmed());
        report.accept("opened game " + id + " against " + r.node() + " on receipt " + signed.id() + ": trace of " + mine.size()
                + " entries, " + (r.traceOnChallenge() ? "outputs " + shortHex(mine.entries().getLast().digest()) + " != signed "
                + shortHex(r.outputsDigest()) + " (trace committed on challenge)" : "root " + mine.root() + " != signed " + r.traceRoot())
                + ", bond " + bond + " wei");
        return new Opened(id, mine);
    }

    /**
     * Plays game {@code gameId} to its end or until {@code limit} passes, polling every {@code poll}.
     *
     * @return the game as it stands when play stops
     */
    public Dispute play(Opened game, Duration poll, Duration limit) throws InterruptedException {
        Instant stop = Instant.now().plus(limit);
        long id = game.gameId();
        ExecutionTrace mine = game.trace();
        DisputeClient.Drawer drawer = new DisputeClient.Drawer();
        int answered = -1;
        boolean awaitingTrace = false;
        while (Instant.now().isBefore(stop)) {
            Dispute d = games.game(id);
            if (d.state().finished()) return d;
            if (d.state() == Dispute.State.AWAIT_TRACE) {
                awaitingTrace = true; // an on-challenge receipt: the node commits a root first
            } else if (awaitingTrace) {
                awaitingTrace = false;
                report.accept("node committed its trace: root " + shortHex(d.traceRoot()) + ", " + d.n()
                        + " entries, the last one its signed outputsDigest" + (d.traceRoot().equals(mine.root()) ? " (the challenger's root)" : ""));
            }
            if (d.state() == Dispute.State.AWAIT_CHALLENGER && d.rounds() != answered) {
                Keccak256 theirs = games.pendingChain(id);
                boolean agree = d.next() < mine.size() && theirs.equals(mine.chain(Math.toIntExact(d.next())));
                games.respond(id, agree).confirmed();
                answered = d.rounds();
                report.accept(String.format("round %2d: node revealed chain(%d) = %s; challenger %s -> bounds (%d, %d]",
                        d.rounds(), d.next(), shortHex(theirs), agree ? "agrees" : "disagrees",
                        agree ? d.next() : d.lo(), agree ? d.hi() : d.next()));
            } else if (d.state() == Dispute.State.VOTING && d.rounds() != answered) {
                answered = d.rounds();
                boolean exists = d.hi() < mine.size(); // a root committed on challenge may be longer than the model's trace
                report.accept("bisection over after " + d.rounds() + " reveals: entry " + d.hi() + " ("
                        + (exists ? TraceLayout.of(model).get(Math.toIntExact(d.hi())) : "beyond the model's trace") + ") disputed; node says "
                        + shortHex(d.nodeDigest()) + ", challenger computes "
                        + (exists ? shortHex(mine.entries().get(Math.toIntExact(d.hi())).digest()) : "nothing")
                        + "; committee " + games.committee(id) + " re-executes it");
            }
            if (d.state() == Dispute.State.DRAWING) {
                drawer.step(games, d); // the committee comes from a block committed to when the bisection ended
            } else if (d.state() != Dispute.State.AWAIT_CHALLENGER && games.timeoutDue(d)) {
                games.timeout(id).confirmed();
                report.accept("deadline passed in " + d.state() + ": called timeout");
                continue;
            }
            Thread.sleep(poll.toMillis());
        }
        return games.game(id);
    }

    static String shortHex(Keccak256 k) {
        return k.toHex().substring(0, 10) + "…";
    }
}
