package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.Dispute;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.DisputeParams;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.Signature;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * DisputeGame on anvil with synthetic traces (the trace commitment restated in {@link TestTrace}): account 1
 * is the node, account 2 the challenger, accounts 3-5 the staked nodes the committee is drawn from. The node
 * and challenger strategies are the honest ones (reveal your trace; agree iff chain values match), so the
 * outcome depends only on whose trace is right, who times out and how the committee votes.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class DisputeGameIT extends DisputeTestBase {
    static final BigInteger BOND = ETHER.divide(BigInteger.TEN);
    final TestReceipts receipts = new TestReceipts(5L);
    /** Gas of the bisection moves and votes since the last reset (for the benchmark line). */
    static long gas;

    record Settled(SignedReceipt signed, long batchId) {
        Keccak256 id() {
            return signed.id();
        }
    }

    static DisputeClient game(int account) {
        return new DisputeClient(as(account), deployment.requireDisputeGame());
    }

    /**
     * The node signs a verity-det/2 receipt committing to {@code trace}, with the outputsDigest its last entry
     * holds (an honest receipt), and settles it in a batch of one.
     */
    Settled settle(TestTrace trace) {
        return settle(trace, trace.digests.getLast(), "verity-det/2");
    }

    Settled settle(TestTrace trace, Keccak256 outputsDigest, String engine) {
        return settle(receipt(trace, outputsDigest, engine));
    }

    Receipt receipt(TestTrace trace, Keccak256 outputsDigest, String engine) {
        Receipt base = receipts.receipt(addr(NODE));
        return new Receipt(1, base.requestId(), NodeRegistryIT.MODEL, engine, base.inputsDigest(),
                outputsDigest, trace.root, addr(NODE), Keccak256.ZERO, VerificationMode.NONE, base.price(), base.timestamp());
    }

    Settled settle(Receipt r) {
        SignedReceipt signed = signed(NODE, r);
        long batchId = SettlementClient.committedBatchId(settlement(NODE).commitBatch(TestMerkle.leaf(signed.id()), 1, "http://x/b").confirmed());
        return new Settled(signed, batchId);
    }

    long open(Settled s, long n) {
        return DisputeClient.openedGameId(game(CHALLENGER).open(s.signed(), s.batchId(), List.of(), n, BOND).confirmed());
    }

    /**
     * Plays the bisection to its end with honest strategies for the given traces, then lets the challenger's
     * {@link DisputeClient.Drawer} draw the committee (its no-op draws mine the blocks up to the committed one);
     * returns the game then.
     */
    static Dispute bisect(long id, TestTrace nodeTrace, TestTrace challengerTrace) {
        Dispute d = bisectOnly(id, nodeTrace, challengerTrace);
        DisputeClient.Drawer drawer = new DisputeClient.Drawer();
        for (int polls = 0; d.state() == Dispute.State.DRAWING; polls++) {
            assertThat(polls).as("draws before the committee is drawn").isLessThan(10);
            drawer.step(game(CHALLENGER), d);
            d = game(0).game(id);
        }
        return d;
    }

    /** The bisection alone: returns the game in DRAWING (or finished). */
    static Dispute bisectOnly(long id, TestTrace nodeTrace, TestTrace challengerTrace) {
        DisputeClient node = game(NODE), challenger = game(CHALLENGER);
        while (true) {
            Dispute d = node.game(id);
            switch (d.state()) {
                case AWAIT_NODE -> gas += node.reveal(id, nodeTrace.open(d.next())).confirmed().gasUsed();
                case AWAIT_CHALLENGER -> gas += challenger.respond(id,
                        challenger.pendingChain(id).equals(challengerTrace.chain[(int) d.next()])).confirmed().gasUsed();
                default -> {
                    return d;
                }
            }
        }
    }

    /** Every committee member votes what re-executing entry hi gives (the truth), except {@code liars}. */
    static Dispute vote(long id, TestTrace truth, int liars) {
        Dispute d = game(0).game(id);
        boolean nodeRight = d.nodeDigest().equals(truth.digests.get((int) d.hi()));
        for (EvmAddress member : game(0).committee(id)) {
            boolean lie = liars-- > 0;
            gas += game(account(member)).vote(id, lie != nodeRight).confirmed().gasUsed();
        }
        return game(0).game(id);
    }

    static int account(EvmAddress a) {
        for (int i = 0; i < devnet.accounts().size(); i++) if (devnet.account(i).address().equals(a)) return i;
        throw new AssertionError(a + " is not a dev account");
    }

    @Test
    void an_honest_node_beats_a_false_challenger_who_loses_its_bond_to_the_node_and_the_committee() {
        TestTrace honest = TestTrace.random(100, 1);
        TestTrace wrong = honest.divergingAt(37, 2); // the challenger's engine goes wrong at entry 37
        Settled s = settle(honest);
        registry(8).register("http://127.0.0.1:9008", List.of(Keccak256.hash(new byte[] {8})), Keccak256.ZERO,
                BigInteger.ONE, ether(2)).confirmed(); // staked, but for another model: not a referee here
        long id = open(s, 100);

        Dispute end = bisect(id, honest, wrong);
        assertThat(end.state()).isEqualTo(Dispute.State.VOTING);
        assertThat(end.lo()).isEqualTo(36);
        assertThat(end.hi()).isEqualTo(37);
        assertThat(end.agreedChain()).isEqualTo(honest.chain[36]);
        assertThat(end.nodeDigest()).isEqualTo(honest.digests.get(37));
        List<EvmAddress> committee = game(0).committee(id);
        assertThat(committee).hasSize(3).doesNotContain(addr(NODE), addr(CHALLENGER), addr(8))
                .containsExactlyInAnyOrderElementsOf(POOL.stream().map(DevnetTestBase::addr).toList());

        BigInteger stakeBefore = registry(0).stakeOf(addr(NODE));
        Dispute resolved = vote(id, honest, 0);
        assertThat(resolved.state()).isEqualTo(Dispute.State.NODE_WON);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(stakeBefore);
        BigInteger each = BOND.divide(BigInteger.TEN).divide(BigInteger.valueOf(3)); // committeeBps 10%, 3 voters
        assertThat(game(0).claimable(addr(NODE))).isEqualTo(BOND.subtract(each.multiply(BigInteger.valueOf(3))));
        for (EvmAddress m : committee) assertThat(game(0).claimable(m)).isEqualTo(each);
        assertThat(game(0).claimable(addr(CHALLENGER))).isZero();
        assertThat(game(0).convicted(s.id())).isFalse();

        BigInteger before = as(NODE).balanceOf(addr(NODE));
        var paid = game(NODE).withdraw().confirmed();
        assertThat(paid.event("Withdrawn").<BigInteger>arg("amount")).isEqualTo(BOND.subtract(each.multiply(BigInteger.valueOf(3))));
        assertThat(as(NODE).balanceOf(addr(NODE))).isGreaterThan(before);
    }

    @Test
    void a_dishonest_node_is_bisected_to_its_first_wrong_operator_and_slashed_to_the_honest_challenger() {
        TestTrace honest = TestTrace.random(100, 3);
        TestTrace cheat = honest.divergingAt(61, 4);
        Settled s = settle(cheat);
        long id = open(s, 100);

        Dispute end = bisect(id, cheat, honest);
        assertThat(end.hi()).isEqualTo(61);
        assertThat(end.lo()).isEqualTo(60);
        assertThat(end.rounds()).isLessThanOrEqualTo(8); // ceil(log2 101) + a final reveal

        Dispute resolved = vote(id, honest, 0);
        assertThat(resolved.state()).isEqualTo(Dispute.State.CHALLENGER_WON);
        BigInteger slashed = ether(1); // slashBps 50% of 2 ether
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(2).subtract(slashed));
        BigInteger each = slashed.divide(BigInteger.TEN).divide(BigInteger.valueOf(3));
        assertThat(game(0).claimable(addr(CHALLENGER))).isEqualTo(BOND.add(slashed).subtract(each.multiply(BigInteger.valueOf(3))));
        assertThat(game(0).claimable(addr(NODE))).isZero();
        assertThat(game(0).convicted(s.id())).isTrue();
        var again = game(CHALLENGER).open(s.signed(), s.batchId(), List.of(), 100, BOND);
        assertReverted(again, "AlreadyConvicted", s.id());
    }

    @Test
    void a_receipt_can_be_opened_within_the_dispute_window_after_its_batch_commit_and_not_after() {
        Duration window = game(0).disputeWindow();
        assertThat(window).isEqualTo(DisputeParams.DEFAULT_DISPUTE_WINDOW);
        Settled early = settle(TestTrace.random(20, 41));
        Settled late = settle(TestTrace.random(20, 42));
        Instant lateSettled = settlement(0).batch(late.batchId()).orElseThrow().committedAt();

        devnet.advanceTime(window.minusMinutes(1)); // a minute before the first batch's window closes
        assertConfirmed(game(CHALLENGER).open(early.signed(), early.batchId(), List.of(), 20, BOND));

        devnet.advanceTime(Duration.ofMinutes(2)); // past both windows (the batches are seconds apart)
        var refused = game(CHALLENGER).open(late.signed(), late.batchId(), List.of(), 20, BOND);
        assertReverted(refused, "DisputeWindowClosed");
        List<Object> args = ((TxOutcome.Reverted) refused).args();
        assertThat(args.get(0)).isEqualTo(late.id());
        assertThat(args.get(1)).isEqualTo(BigInteger.valueOf(lateSettled.plus(window).getEpochSecond()));
        assertThat((BigInteger) args.get(2)).isGreaterThan((BigInteger) args.get(1));
        assertThat(game(0).openGame(late.id())).isEmpty();
    }

    @Test
    void a_node_that_does_not_reveal_in_time_loses_and_is_slashed() {
        TestTrace honest = TestTrace.random(50, 5);
        Settled s = settle(honest.divergingAt(10, 6));
        var opened = game(CHALLENGER).open(s.signed(), s.batchId(), List.of(), 50, BOND);
        long id = DisputeClient.openedGameId(opened.confirmed());
        System.out.printf("open on an eager receipt: %d gas%n", opened.confirmed().gasUsed());
        assertReverted(game(0).timeout(id), "DeadlineNotPassed");

        devnet.advanceTime(Duration.ofMinutes(11));
        var out = game(7).timeout(id).confirmed(); // anyone may call it
        assertThat(out.event("Resolved").<String>arg("reason")).isEqualTo("node timed out");
        assertThat(game(0).game(id).state()).isEqualTo(Dispute.State.CHALLENGER_WON);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(1));
        assertThat(game(0).claimable(addr(CHALLENGER))).isEqualTo(BOND.add(ether(1)));
    }

    @Test
    void a_challenger_that_does_not_answer_in_time_loses_its_bond_to_the_node() {
        TestTrace honest = TestTrace.random(50, 7);
        long id = open(settle(honest), 50);
        game(NODE).reveal(id, honest.open(game(0).game(id).next())).confirmed();
        assertThat(game(0).game(id).state()).isEqualTo(Dispute.State.AWAIT_CHALLENGER);

        devnet.advanceTime(Duration.ofMinutes(11));
        assertReverted(game(CHALLENGER).respond(id, true), "DeadlinePassed");
        timesOut(id, Dispute.State.NODE_WON, NODE);
    }

    @Test
    void a_committee_member_voting_against_the_majority_is_recorded_slashed_and_unpaid() {
        TestTrace honest = TestTrace.random(64, 8);
        long id = open(settle(honest.divergingAt(20, 9)), 64);
        bisect(id, honest.divergingAt(20, 9), honest);
        List<EvmAddress> committee = game(0).committee(id);

        Dispute resolved = vote(id, honest, 1); // the first member says the cheating node is right
        assertThat(resolved.state()).isEqualTo(Dispute.State.CHALLENGER_WON);
        EvmAddress liar = committee.getFirst();
        assertThat(game(0).wrongVotes(liar)).isEqualTo(1);
        assertThat(game(0).voteOf(id, liar)).isEqualTo(1);
        assertThat(registry(0).stakeOf(liar)).isEqualTo(ether(2).subtract(ETHER.divide(BigInteger.valueOf(100))));
        assertThat(game(0).claimable(liar)).isZero();
        BigInteger each = ether(1).divide(BigInteger.TEN).divide(BigInteger.TWO);
        for (EvmAddress m : committee.subList(1, 3)) {
            assertThat(game(0).claimable(m)).isEqualTo(each);
            assertThat(game(0).wrongVotes(m)).isZero();
        }
    }

    @Test
    void a_committee_that_does_not_vote_in_time_ends_the_game_in_a_draw_and_refunds_the_bond() {
        TestTrace honest = TestTrace.random(20, 10);
        long id = open(settle(honest), 20);
        bisect(id, honest, honest.divergingAt(5, 11));
        devnet.advanceTime(Duration.ofMinutes(11));
        timesOut(id, Dispute.State.DRAW, CHALLENGER);
    }

    /** Times game {@code id} out: it ends in {@code state}, the bond goes to {@code bondTo}, nobody is slashed. */
    void timesOut(long id, Dispute.State state, int bondTo) {
        game(0).timeout(id).confirmed();
        assertThat(game(0).game(id).state()).isEqualTo(state);
        assertThat(game(0).claimable(addr(bondTo))).isEqualTo(BOND);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(2));
    }

    @Test
    void reveals_must_open_the_receipts_trace_root_at_the_asked_index() {
        TestTrace honest = TestTrace.random(30, 12);
        long id = open(settle(honest), 30);
        long next = game(0).game(id).next();
        assertThat(game(0).traceRootOf(honest.open(next))).isEqualTo(honest.root);
        assertReverted(game(NODE).reveal(id, honest.open(next + 1)), "WrongIndex");
        TestTrace other = TestTrace.random(30, 13);
        assertReverted(game(NODE).reveal(id, other.open(next)), "InvalidProof");
        assertReverted(game(NODE).respond(id, true), "WrongState");
    }

    @Test
    void a_challenger_claiming_the_wrong_trace_length_is_disproved_and_loses() {
        TestTrace honest = TestTrace.random(30, 14);
        long id = open(settle(honest), 40);
        assertReverted(game(NODE).reveal(id, honest.open(game(0).game(id).next())), "InvalidProof"); // n=30 in the root
        game(NODE).disproveLength(id, honest.open(0)).confirmed();
        assertThat(game(0).game(id).state()).isEqualTo(Dispute.State.NODE_WON);
        assertThat(game(0).claimable(addr(NODE))).isEqualTo(BOND);
    }

    @Test
    void opening_needs_a_bond_a_settled_receipt_and_no_open_game_on_it() {
        TestTrace honest = TestTrace.random(10, 15);
        Settled s = settle(honest);
        assertReverted(game(CHALLENGER).open(s.signed(), s.batchId(), List.of(), 10, BigInteger.ONE), "BondTooSmall");
        byte[] forged = s.signed().signature().toArray();
        forged[5] ^= 1;
        SignedReceipt forgedReceipt = new SignedReceipt(s.signed().receipt(), s.signed().domain(), Signature.wrap(forged));
        assertReverted(game(CHALLENGER).open(forgedReceipt, s.batchId(), List.of(), 10, BOND), "InvalidSignature");
        long id = open(s, 10);
        assertReverted(game(3).open(s.signed(), s.batchId(), List.of(), 10, BOND), "AlreadyDisputed", s.id(),
                BigInteger.valueOf(id));
    }

    @Test
    void a_thousand_operator_dispute_ends_within_twelve_rounds() {
        for (int diverge : new int[] {0, 1, 500, 998, 999}) {
            String snap = devnet.snapshot();
            TestTrace honest = TestTrace.random(1000, diverge);
            TestTrace cheat = honest.divergingAt(diverge, 99);
            Settled settled = settle(cheat);
            long started = System.nanoTime();
            TxOutcome.Confirmed opened = game(CHALLENGER).open(settled.signed(), settled.batchId(), List.of(), 1000, BOND).confirmed();
            long id = DisputeClient.openedGameId(opened);
            gas = opened.gasUsed();
            Dispute end = bisect(id, cheat, honest);
            vote(id, honest, 0);
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertThat(end.hi()).isEqualTo(diverge);
            assertThat(end.rounds()).isLessThanOrEqualTo(12);
            assertThat(game(0).game(id).state()).isEqualTo(Dispute.State.CHALLENGER_WON);
            System.out.printf("dispute over 1000 entries, first wrong entry %d: %d node reveals, %d ms on anvil, %d gas in all%n",
                    diverge, end.rounds(), ms, gas);
            devnet.revertTo(snap);
        }
    }

    // ---- outputsDigest fraud proofs (the last trace entry is tensorsDigest of the graph outputs) ----

    @Test
    void a_node_signing_an_honest_trace_but_a_wrong_outputs_digest_is_slashed_by_the_outputs_proof_at_once() {
        TestTrace honest = TestTrace.random(50, 20);
        Keccak256 lie = Keccak256.hash(new byte[] {1, 2, 3});
        Settled s = settle(honest, lie, "verity-det/2");

        var proven = game(7).proveOutputs(s.signed(), s.batchId(), List.of(), honest.open(49)).confirmed();
        ChainEvent e = proven.event("OutputsProven");
        System.out.printf("outputs proof over a %d-entry trace: %d gas%n", honest.size(), proven.gasUsed());
        BigInteger slashed = ether(1); // slashBps 50% of 2 ether
        BigInteger reward = slashed.subtract(slashed.divide(BigInteger.TEN)); // committeeBps 10% burnt: no committee sat
        assertThat(e.<Keccak256>arg("receiptId")).isEqualTo(s.id());
        assertThat(e.<EvmAddress>arg("paid")).isEqualTo(addr(7));
        assertThat(e.<Keccak256>arg("lastEntry")).isEqualTo(honest.digests.getLast());
        assertThat(e.<Keccak256>arg("outputsDigest")).isEqualTo(lie);
        assertThat(e.<BigInteger>arg("slashed")).isEqualTo(slashed);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(2).subtract(slashed));
        assertThat(game(0).claimable(addr(7))).isEqualTo(reward);
        assertThat(game(0).convicted(s.id())).isTrue();
        assertReverted(game(8).proveOutputs(s.signed(), s.batchId(), List.of(), honest.open(49)), "AlreadyConvicted", s.id());
        assertReverted(game(CHALLENGER).open(s.signed(), s.batchId(), List.of(), 50, BOND), "AlreadyConvicted", s.id());
    }

    @Test
    void a_v2_receipt_is_disputed_and_proven_wrong_on_its_v1_fields_like_any_other() {
        TestTrace honest = TestTrace.random(50, 20);
        Settled s = settle(receipt(honest, Keccak256.hash(new byte[] {4}), "verity-det/2").withV2(receipts.v2()));
        long id = open(s, 50);
        assertThat(game(0).game(id).receiptId()).isEqualTo(s.id()); // openV2: the game is on the v2 id
        var proven = game(7).proveOutputs(s.signed(), s.batchId(), List.of(), honest.open(49)).confirmed();
        assertThat(proven.event("OutputsProven").<Keccak256>arg("receiptId")).isEqualTo(s.id());
        assertThat(game(0).convicted(s.id())).isTrue();
    }

    @Test
    void an_outputs_proof_during_a_game_on_the_receipt_ends_it_and_pays_that_games_challenger() {
        TestTrace honest = TestTrace.random(40, 21);
        Settled s = settle(honest, Keccak256.hash(new byte[] {9}), "verity-det/2");
        long id = open(s, 40);
        game(NODE).reveal(id, honest.open(game(0).game(id).next())).confirmed();

        game(7).proveOutputs(s.signed(), s.batchId(), List.of(), honest.open(39)).confirmed();
        Dispute d = game(0).game(id);
        assertThat(d.state()).isEqualTo(Dispute.State.CHALLENGER_WON);
        assertThat(game(0).openGame(s.id())).isEmpty();
        BigInteger reward = ether(1).subtract(ether(1).divide(BigInteger.TEN));
        assertThat(game(0).claimable(addr(CHALLENGER))).isEqualTo(BOND.add(reward));
        assertThat(game(0).claimable(addr(7))).isZero(); // a bystander (or the node's own sock puppet) gains nothing
    }

    @Test
    void a_false_outputs_proof_against_an_honest_receipt_reverts_naming_why() {
        TestTrace honest = TestTrace.random(50, 22);
        Settled s = settle(honest);
        assertReverted(game(7).proveOutputs(s.signed(), s.batchId(), List.of(), honest.open(49)), "OutputsMatch", s.id());
        assertReverted(game(7).proveOutputs(s.signed(), s.batchId(), List.of(), honest.open(48)), "NotLastEntry",
                BigInteger.valueOf(48), BigInteger.valueOf(50));
        TestTrace other = TestTrace.random(50, 23);
        assertReverted(game(7).proveOutputs(s.signed(), s.batchId(), List.of(), other.open(49)), "InvalidProof",
                BigInteger.valueOf(49));
        TestTrace shorter = TestTrace.random(49, 24); // a last entry of some other trace length
        assertReverted(game(7).proveOutputs(s.signed(), s.batchId(), List.of(), shorter.open(48)), "InvalidProof",
                BigInteger.valueOf(48));
        Settled old = settle(honest, Keccak256.hash(new byte[] {4}), "verity-det/1"); // its trace ends with a plain tensor
        assertReverted(game(7).proveOutputs(old.signed(), old.batchId(), List.of(), honest.open(49)),
                "NoOutputsEntry", "verity-det/1");
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(2));
        assertThat(game(0).convicted(s.id())).isFalse();
    }

    @Test
    void a_lying_last_entry_that_matches_the_signed_outputs_digest_is_bisected_to_and_convicted_by_the_committee() {
        TestTrace honest = TestTrace.random(80, 25);
        TestTrace cheat = honest.divergingAt(79, 26); // every operator right, the aggregate of the outputs made up
        Settled s = settle(cheat); // ... and signed as outputsDigest, so no self-contradiction to prove
        assertReverted(game(7).proveOutputs(s.signed(), s.batchId(), List.of(), cheat.open(79)), "OutputsMatch", s.id());
        long id = open(s, 80);

        Dispute end = bisect(id, cheat, honest);
        assertThat(end.state()).isEqualTo(Dispute.State.VOTING);
        assertThat(end.lo()).isEqualTo(78);
        assertThat(end.hi()).isEqualTo(79);
        assertThat(end.nodeDigest()).isEqualTo(cheat.digests.getLast());
        assertThat(vote(id, honest, 0).state()).isEqualTo(Dispute.State.CHALLENGER_WON);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(1));
    }

    // ---- trace on challenge (the receipt signs Receipt.TRACE_ON_CHALLENGE; the node commits a root when challenged) ----

    /** The node signs an on-challenge receipt over {@code outputsDigest} and settles it. */
    Settled settleOnChallenge(Keccak256 outputsDigest) {
        Receipt base = receipts.receipt(addr(NODE));
        return settle(new Receipt(1, base.requestId(), NodeRegistryIT.MODEL, "verity-det/2", base.inputsDigest(), outputsDigest,
                Receipt.TRACE_ON_CHALLENGE, addr(NODE), Keccak256.ZERO, VerificationMode.NONE, base.price(), base.timestamp()));
    }

    @Test
    void the_trace_on_challenge_marker_is_one_constant_in_protocol_and_solidity() {
        assertThat(game(0).traceOnChallenge()).isEqualTo(Receipt.TRACE_ON_CHALLENGE)
                .isEqualTo(Keccak256.hash("verity:trace-on-challenge".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void a_node_lying_about_its_outputs_commits_a_root_when_challenged_and_is_bisected_and_convicted() {
        TestTrace honest = TestTrace.random(100, 30);
        TestTrace cheat = honest.divergingAt(61, 31);
        Settled s = settleOnChallenge(cheat.digests.getLast()); // signs only model, inputs and (wrong) outputs
        assertReverted(game(7).proveOutputs(s.signed(), s.batchId(), List.of(), cheat.open(99)), "NoTrace", Receipt.TRACE_ON_CHALLENGE);
        long id = open(s, 100);
        Dispute waiting = game(0).game(id);
        assertThat(waiting.state()).isEqualTo(Dispute.State.AWAIT_TRACE);
        assertThat(waiting.traceRoot()).isEqualTo(Keccak256.ZERO);
        assertThat(game(0).timeoutDue(waiting)).isFalse();
        assertReverted(game(NODE).reveal(id, cheat.open(waiting.next())), "WrongState");
        assertReverted(game(CHALLENGER).commitTrace(id, honest.open(99)), "NotNode", addr(CHALLENGER)); // only the node binds itself
        assertReverted(game(NODE).commitTrace(id, cheat.open(98)), "NotLastEntry", BigInteger.valueOf(98), BigInteger.valueOf(100));
        assertReverted(game(NODE).commitTrace(id, honest.open(99)), "TraceNotOutputs", honest.digests.getLast(), cheat.digests.getLast());

        var committed = game(NODE).commitTrace(id, cheat.open(99)).confirmed();
        System.out.printf("commitTrace over a %d-entry trace: %d gas%n", cheat.size(), committed.gasUsed());
        assertThat(committed.event("TraceCommitted").<Keccak256>arg("traceRoot")).isEqualTo(cheat.root);
        Dispute d = game(0).game(id);
        assertThat(d.state()).isEqualTo(Dispute.State.AWAIT_NODE);
        assertThat(d.traceRoot()).isEqualTo(cheat.root);
        assertReverted(game(NODE).commitTrace(id, cheat.open(99)), "WrongState"); // fixed once

        Dispute end = bisect(id, cheat, honest);
        assertThat(end.lo()).isEqualTo(60);
        assertThat(end.hi()).isEqualTo(61);
        assertThat(vote(id, honest, 0).state()).isEqualTo(Dispute.State.CHALLENGER_WON);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(1));
        assertThat(game(0).convicted(s.id())).isTrue();
    }

    @Test
    void an_honest_node_commits_its_recomputed_root_and_a_false_challenger_loses_whatever_length_it_claimed() {
        TestTrace honest = TestTrace.random(100, 32);
        Settled s = settleOnChallenge(honest.digests.getLast());
        long id = open(s, 7); // the length comes from the committed root, not from the challenger
        game(NODE).commitTrace(id, honest.open(99)).confirmed();
        Dispute d = game(0).game(id);
        assertThat(d.n()).isEqualTo(100);
        assertThat(d.hi()).isEqualTo(99);

        Dispute end = bisect(id, honest, honest.divergingAt(37, 33));
        assertThat(end.hi()).isEqualTo(37);
        assertThat(end.nodeDigest()).isEqualTo(honest.digests.get(37));
        assertThat(vote(id, honest, 0).state()).isEqualTo(Dispute.State.NODE_WON);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(2));
        assertThat(game(0).claimable(addr(CHALLENGER))).isZero();
    }

    @Test
    void a_node_that_does_not_commit_its_trace_within_the_commit_blocks_loses_as_for_a_missed_reveal() {
        TestTrace honest = TestTrace.random(40, 34);
        Settled s = settleOnChallenge(honest.divergingAt(10, 35).digests.getLast());
        var opened = game(CHALLENGER).open(s.signed(), s.batchId(), List.of(), 40, BOND).confirmed();
        long id = DisputeClient.openedGameId(opened);
        System.out.printf("open on an on-challenge receipt: %d gas%n", opened.gasUsed());
        assertReverted(game(0).timeout(id), "CommitWindowOpen");
        long deadline = game(0).commitBlock(id);
        assertThat(deadline).isEqualTo(opened.blockNumber() + 100); // COMMIT_BLOCKS

        devnet.mine(deadline - as(0).blockNumber() + 1);
        assertThat(game(0).timeoutDue(game(0).game(id))).isTrue();
        assertReverted(game(NODE).commitTrace(id, honest.divergingAt(10, 35).open(39)), "DeadlinePassed");
        var out = game(7).timeout(id).confirmed(); // anyone may call it
        assertThat(out.event("Resolved").<String>arg("reason")).isEqualTo("node did not commit its trace");
        assertThat(game(0).game(id).state()).isEqualTo(Dispute.State.CHALLENGER_WON);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(1));
        assertThat(game(0).claimable(addr(CHALLENGER))).isEqualTo(BOND.add(ether(1)));
    }

    // ---- committee randomness ----

    @Test
    void the_committee_is_drawn_from_the_block_committed_to_when_the_bisection_ended() throws Exception {
        for (int a : List.of(6, 7)) NodeRegistryIT.registerNode(a, ether(2)).confirmed(); // 5 eligible for 3 seats
        TestTrace honest = TestTrace.random(16, 27);
        Settled s = settle(honest);
        long id = open(s, 16);
        Dispute d = bisectOnly(id, honest, honest.divergingAt(3, 28));
        long committedAt = as(0).blockNumber();
        assertThat(d.state()).isEqualTo(Dispute.State.DRAWING);
        long drawBlock = game(0).drawBlock(id);
        assertThat(drawBlock).isEqualTo(committedAt + 3);
        assertThat(game(0).committee(id)).isEmpty();

        while (as(0).blockNumber() < drawBlock) { // too early: draw changes nothing, whoever calls it
            game(CHALLENGER).draw(id).confirmed();
            assertThat(game(0).game(id).state()).isEqualTo(Dispute.State.DRAWING);
        }
        assertReverted(game(NODE).reveal(id, honest.open(0)), "WrongState");
        var drawn = game(8).draw(id).confirmed(); // anyone, once drawBlock is mined
        System.out.printf("committee draw from 5 eligible nodes: %d gas%n", drawn.gasUsed());
        long drawnIn = as(0).blockNumber();
        assertThat(drawnIn).isGreaterThan(drawBlock);
        List<EvmAddress> committee = drawn.event("CommitteeChosen").arg("committee");
        assertThat(game(0).game(id).state()).isEqualTo(Dispute.State.VOTING);
        assertThat(committee).isEqualTo(game(0).committee(id)).hasSize(3);

        // recomputed off chain: seed = keccak256(abi.encode(blockhash(drawBlock), prevrandao, gameId, receiptId))
        Keccak256 seed = Keccak256.hash(blockField(drawBlock, "hash").toArray(), blockField(drawnIn, "mixHash").toArray(),
                word(id), s.id().toArray());
        List<EvmAddress> pool = new java.util.ArrayList<>(registry(0).activeNodes().stream()
                .filter(n -> !n.equals(addr(NODE)) && !n.equals(addr(CHALLENGER))).toList());
        assertThat(pool).hasSize(5);
        for (int j = 0; j < 3; j++) {
            BigInteger r = new BigInteger(1, Keccak256.hash(seed.toArray(), word(j)).toArray());
            int pick = j + r.mod(BigInteger.valueOf(pool.size() - j)).intValueExact();
            java.util.Collections.swap(pool, j, pick);
        }
        assertThat(committee).containsExactlyElementsOf(pool.subList(0, 3));
    }

    @Test
    void a_draw_missed_for_256_blocks_commits_to_a_new_future_block() {
        TestTrace honest = TestTrace.random(8, 29);
        long id = open(settle(honest), 8);
        bisectOnly(id, honest, honest.divergingAt(2, 30));
        long first = game(0).drawBlock(id);
        while (as(0).blockNumber() <= first + 256) devnet.mine(); // blockhash(first) is gone now

        var again = game(CHALLENGER).draw(id).confirmed();
        long now = as(0).blockNumber();
        assertThat(again.event("DrawCommitted").<BigInteger>arg("drawBlock").longValueExact()).isEqualTo(now + 3);
        assertThat(game(0).game(id).state()).isEqualTo(Dispute.State.DRAWING);
        assertThat(game(0).drawBlock(id)).isEqualTo(now + 3);

        Dispute d = bisect(id, honest, honest); // only draws: the bisection is over
        assertThat(d.state()).isEqualTo(Dispute.State.VOTING);
        assertThat(game(0).committee(id)).hasSize(3);
    }

    /** A 32-byte field of a block as anvil reports it (hash, mixHash = the prevrandao contracts see). */
    static Keccak256 blockField(long number, String field) {
        try {
            String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBlockByNumber\",\"params\":[\"0x"
                    + Long.toHexString(number) + "\",false]}";
            var resp = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(devnet.rpcUrl()))
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return Keccak256.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(resp.body()).get("result").get(field).asText());
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** abi.encode of a uint256. */
    static byte[] word(long v) {
        return java.nio.ByteBuffer.allocate(32).putLong(24, v).array();
    }
}
