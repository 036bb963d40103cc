package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.CommitteeClient;
import io.verity.chain.contracts.CommitteeDispute;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.CommitteeParams;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * CommitteeDisputes on anvil, the committee played by dev accounts (the node's own duty is tested in the node
 * module): account 1 is the accused node, account 2 the challenger, accounts 3-5 the staked nodes serving the model
 * the committee of 3 is drawn from. Deadlines are blocks, so the tests mine through them.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class CommitteeDisputesIT extends DisputeTestBase {
    static final CommitteeParams PARAMS = CommitteeParams.defaults();
    static final BigInteger BOND = PARAMS.minBond();
    static final ComparisonRule RULE = ComparisonRule.Tolerance.of(1e-5, 1e-4);
    final TestReceipts receipts = new TestReceipts(18L);
    /** Gas of every transaction of the last dispute (for docs/benchmarks.md). */
    long gas;

    static CommitteeClient committee(int account) {
        return new CommitteeClient(as(account), deployment.requireCommitteeDisputes());
    }

    @BeforeEach
    void registerTheModel() {
        models(0).register(NodeRegistryIT.MODEL, "http://x/manifest", "tiny", "1", RULE).confirmed();
    }

    record Settled(SignedReceipt signed, long batchId) {}

    Settled settle(Keccak256 model) {
        SignedReceipt signed = signed(NODE, receipts.receipt(addr(NODE), receipts.randomBytes32(), model, receipts.randomBytes32()));
        long batchId = SettlementClient.committedBatchId(settlement(NODE).commitBatch(TestMerkle.leaf(signed.id()), 1, "http://x/b").confirmed());
        return new Settled(signed, batchId);
    }

    /** Opens a dispute on a fresh receipt and draws its committee; returns the dispute id. */
    long openAndDraw() {
        Settled s = settle(NodeRegistryIT.MODEL);
        TxOutcome.Confirmed opened = committee(CHALLENGER).open(s.signed(), s.batchId(), List.of(), receipts.randomBytes32(),
                java.net.URI.create("http://127.0.0.1:1/inputs"), BOND).confirmed();
        gas = opened.gasUsed();
        long id = CommitteeClient.openedId(opened);
        CommitteeDispute d = committee(0).dispute(id);
        assertThat(d.state()).isEqualTo(CommitteeDispute.State.DRAWING);
        assertThat(d.rule()).isEqualTo(RULE);
        assertThat(committee(0).draw(id).confirmed().events()).as("too early: the seed block is not mined").isEmpty();
        devnet.mine(PARAMS.drawDelay());
        gas += committee(0).draw(id).confirmed().gasUsed();
        assertThat(committee(0).dispute(id).state()).isEqualTo(CommitteeDispute.State.VOTING);
        assertThat(committee(0).committee(id)).containsExactlyInAnyOrderElementsOf(POOL.stream().map(DevnetTestBase::addr).toList());
        return id;
    }

    /** Mines until the chain is past {@code block}. */
    static void minePast(long block) {
        long tip = as(0).blockNumber();
        if (tip <= block) devnet.mine(block - tip + 1);
    }

    static Keccak256 salt(int account) {
        return Keccak256.hash(new byte[] {(byte) account, 18});
    }

    /** Members commit then reveal the given votes (true: the accused answer agrees); null: commits nothing. */
    void vote(long id, Map<Integer, Boolean> votes) {
        votes.forEach((a, agrees) -> gas += committee(a).commitVote(id,
                CommitteeClient.commitmentOf(id, addr(a), agrees, salt(a))).confirmed().gasUsed());
        if (!committee(0).revealOpen(id)) minePast(committee(0).dispute(id).commitDeadline());
        votes.forEach((a, agrees) -> gas += committee(a).revealVote(id, agrees, salt(a)).confirmed().gasUsed());
    }

    @Test
    void a_majority_that_finds_the_answer_wrong_slashes_the_node_and_pays_the_challenger_and_the_majority() {
        long id = openAndDraw();
        vote(id, Map.of(3, false, 4, false, 5, false));
        TxOutcome.Confirmed resolved = committee(0).resolve(id).confirmed();
        gas += resolved.gasUsed();

        ChainEvent r = resolved.event("Resolved");
        BigInteger slashed = r.arg("slashed");
        assertThat(slashed).isEqualTo(ether(1)); // half of 2 ether
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(1));
        CommitteeDispute d = committee(0).dispute(id);
        assertThat(d.state()).isEqualTo(CommitteeDispute.State.CHALLENGER_WON);
        assertThat(committee(0).convicted(d.receiptId())).isTrue();
        BigInteger share = slashed.divide(BigInteger.TEN).divide(BigInteger.valueOf(3));
        for (int a : POOL) assertThat(committee(0).claimable(addr(a))).isEqualTo(share);
        assertThat(committee(0).claimable(addr(CHALLENGER))).isEqualTo(BOND.add(slashed).subtract(share.multiply(BigInteger.valueOf(3))));
        System.out.println("committee dispute, convicted, total gas " + gas);
    }

    @Test
    void a_majority_that_finds_the_answer_right_gives_the_bond_to_the_node_and_the_node_keeps_its_stake() {
        long id = openAndDraw();
        vote(id, Map.of(3, true, 4, true, 5, true));
        committee(0).resolve(id).confirmed();

        assertThat(committee(0).dispute(id).state()).isEqualTo(CommitteeDispute.State.NODE_WON);
        assertThat(registry(0).stakeOf(addr(NODE))).isEqualTo(ether(2));
        BigInteger share = BOND.divide(BigInteger.TEN).divide(BigInteger.valueOf(3));
        assertThat(committee(0).claimable(addr(NODE))).isEqualTo(BOND.subtract(share.multiply(BigInteger.valueOf(3))));
        assertThat(committee(0).claimable(addr(CHALLENGER))).isZero();
        BigInteger before = as(NODE).balanceOf(addr(NODE));
        committee(NODE).withdraw().confirmed();
        assertThat(as(NODE).balanceOf(addr(NODE))).isGreaterThan(before);
    }

    @Test
    void a_minority_voter_and_a_member_who_does_not_reveal_lose_the_member_penalty() {
        long id = openAndDraw();
        // 3 and 4 find the answer wrong, 5 commits "right" but never reveals: then 5 is out, and a second dispute
        // below has a minority voter
        for (int a : List.of(3, 4, 5)) committee(a).commitVote(id, CommitteeClient.commitmentOf(id, addr(a), a == 5, salt(a))).confirmed();
        committee(3).revealVote(id, false, salt(3)).confirmed();
        committee(4).revealVote(id, false, salt(4)).confirmed();
        assertReverted(committee(0).resolve(id), "TooEarly");
        minePast(committee(0).dispute(id).revealDeadline());
        TxOutcome.Confirmed resolved = committee(0).resolve(id).confirmed();

        assertThat(resolved.events().stream().filter(e -> e.name().equals("MemberPenalized")).toList())
                .singleElement().satisfies(e -> {
                    assertThat(e.<EvmAddress>arg("member")).isEqualTo(addr(5));
                    assertThat(e.<Boolean>arg("revealed")).isFalse();
                    assertThat(e.<BigInteger>arg("slashed")).isEqualTo(PARAMS.memberPenalty());
                });
        assertThat(registry(0).stakeOf(addr(5))).isEqualTo(ether(2).subtract(PARAMS.memberPenalty()));
        assertThat(committee(0).dispute(id).state()).isEqualTo(CommitteeDispute.State.CHALLENGER_WON);

        long second = openAndDraw();
        vote(second, Map.of(3, true, 4, true, 5, false));
        committee(0).resolve(second).confirmed();
        assertThat(committee(0).dispute(second).state()).isEqualTo(CommitteeDispute.State.NODE_WON);
        assertThat(registry(0).stakeOf(addr(5))).isEqualTo(ether(2).subtract(PARAMS.memberPenalty().multiply(BigInteger.TWO)));
        assertThat(registry(0).stakeOf(addr(3))).isEqualTo(ether(2));
    }

    @Test
    void a_tie_voids_the_dispute_and_returns_the_bond() {
        long id = openAndDraw();
        vote(id, Map.of(3, true, 4, false));
        minePast(committee(0).dispute(id).revealDeadline());
        committee(0).resolve(id).confirmed();
        assertThat(committee(0).dispute(id).state()).isEqualTo(CommitteeDispute.State.VOID);
        assertThat(committee(0).claimable(addr(CHALLENGER))).isEqualTo(BOND);
        assertThat(registry(0).stakeOf(addr(5))).as("did not commit").isEqualTo(ether(2).subtract(PARAMS.memberPenalty()));
        assertThat(registry(0).stakeOf(addr(3))).isEqualTo(ether(2));
    }

    @Test
    void a_reveal_must_open_the_commitment_and_outsiders_cannot_vote() {
        long id = openAndDraw();
        assertReverted(committee(CHALLENGER).commitVote(id, Keccak256.hash(new byte[] {1})), "NotInCommittee", addr(CHALLENGER));
        committee(3).commitVote(id, CommitteeClient.commitmentOf(id, addr(3), false, salt(3))).confirmed();
        assertReverted(committee(3).revealVote(id, false, salt(3)), "TooEarly");
        minePast(committee(0).dispute(id).commitDeadline());
        assertReverted(committee(3).revealVote(id, true, salt(3)), "CommitmentMismatch", addr(3));
        committee(3).revealVote(id, false, salt(3)).confirmed();
    }

    @Test
    void a_model_without_a_rule_cannot_be_disputed_nor_an_answer_with_the_receipts_own_digest() {
        Keccak256 unruled = receipts.randomBytes32();
        models(0).register(unruled, "http://x/m", "llm", "1").confirmed();
        Settled s = settle(unruled);
        assertReverted(committee(CHALLENGER).open(s.signed(), s.batchId(), List.of(), receipts.randomBytes32(),
                java.net.URI.create("http://x/in"), BOND), "NotComparable", unruled);
        Settled t = settle(NodeRegistryIT.MODEL);
        Keccak256 same = t.signed().receipt().outputsDigest();
        assertReverted(committee(CHALLENGER).open(t.signed(), t.batchId(), List.of(), same, java.net.URI.create("http://x/in"), BOND),
                "SameAnswer", same);
        assertReverted(committee(CHALLENGER).open(t.signed(), t.batchId(), List.of(), receipts.randomBytes32(),
                java.net.URI.create("http://x/in"), BOND.subtract(BigInteger.ONE)), "BondTooSmall", BOND.subtract(BigInteger.ONE), BOND);
    }

    @Test
    void only_the_owner_sets_parameters_which_apply_to_disputes_opened_afterwards() {
        long before = openAndDraw();
        CommitteeParams next = new CommitteeParams(BOND.multiply(BigInteger.TWO), PARAMS.memberPenalty(), 1, 5, 5, 2_000, 0, 2);
        assertReverted(committee(CHALLENGER).setParams(next.struct()), "OwnableUnauthorizedAccount", addr(CHALLENGER));
        var emptyCommittee = new org.web3j.abi.datatypes.StaticStruct(W3.uint256(BOND), W3.uint256(BigInteger.ZERO), W3.uint64(1),
                W3.uint64(1), W3.uint64(1), new org.web3j.abi.datatypes.generated.Uint16(5_000),
                new org.web3j.abi.datatypes.generated.Uint16(0), new org.web3j.abi.datatypes.generated.Uint8(0));
        assertReverted(committee(0).setParams(emptyCommittee), "InvalidParams");
        committee(0).setParams(next.struct()).confirmed();
        assertThat(committee(0).minBond()).isEqualTo(next.minBond());
        assertThat(committee(0).dispute(before).revealDeadline() - committee(0).dispute(before).commitDeadline())
                .as("the open dispute keeps its reveal window").isEqualTo(PARAMS.revealBlocks());
        Settled s = settle(NodeRegistryIT.MODEL);
        assertReverted(committee(CHALLENGER).open(s.signed(), s.batchId(), List.of(), receipts.randomBytes32(),
                java.net.URI.create("http://x/in"), BOND), "BondTooSmall", BOND, next.minBond());
        long after = CommitteeClient.openedId(committee(CHALLENGER).open(s.signed(), s.batchId(), List.of(), receipts.randomBytes32(),
                java.net.URI.create("http://x/in"), next.minBond()).confirmed());
        devnet.mine(2);
        committee(0).draw(after).confirmed();
        assertThat(committee(0).committee(after)).hasSize(2);
        CommitteeDispute d = committee(0).dispute(after);
        assertThat(d.revealDeadline() - d.commitDeadline()).isEqualTo(5);
    }
}
