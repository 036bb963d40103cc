package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.contracts.BatchInfo;
import io.verity.chain.contracts.SettledCheck;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.Contracts;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.Signature;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.generated.Uint16;

@DisplayNameGeneration(ReplaceUnderscores.class)
class SettlementIT extends DevnetTestBase {
    final TestReceipts receipts = new TestReceipts(20261124L);

    List<SignedReceipt> batchOf(int account, int n) {
        List<SignedReceipt> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(signed(account, receipts.receipt(addr(account))));
        return out;
    }

    static TestMerkle tree(List<SignedReceipt> batch) {
        return new TestMerkle(batch.stream().map(SignedReceipt::id).toList());
    }

    static void stake(int account) {
        NodeRegistryIT.registerNode(account, ether(2)).confirmed();
    }

    @Test
    void receipt_ids_computed_in_java_match_the_contract() {
        for (int i = 0; i < 3; i++) {
            Receipt r = receipts.receipt(addr(1));
            assertThat(settlement(0).receiptId(r)).isEqualTo(r.id(receiptDomain()));
        }
        assertThat(settlement(0).domainSeparator()).isEqualTo(receiptDomain().separator());
    }

    @Test
    void a_staked_node_commits_a_batch_and_a_receipt_in_it_verifies_on_chain() {
        stake(1);
        List<SignedReceipt> batch = batchOf(1, 5);
        TestMerkle tree = tree(batch);

        var confirmed = settlement(1).commitBatch(tree.root(), 5, "http://127.0.0.1:9001/batches/0").confirmed();
        ChainEvent e = confirmed.event("BatchCommitted");
        assertThat(e.<EvmAddress>arg("node")).isEqualTo(addr(1));
        assertThat(e.<Keccak256>arg("root")).isEqualTo(tree.root());
        assertThat(e.<BigInteger>arg("count")).isEqualTo(BigInteger.valueOf(5));
        long id = SettlementClient.committedBatchId(confirmed);
        BatchInfo info = settlement(0).batch(id).orElseThrow();
        assertThat(info.node()).isEqualTo(addr(1));
        assertThat(info.root()).isEqualTo(tree.root());
        assertThat(info.count()).isEqualTo(5);
        assertThat(info.uri()).isEqualTo("http://127.0.0.1:9001/batches/0");
        assertThat(info.blockNumber()).isEqualTo(confirmed.blockNumber());
        assertThat(settlement(0).batchCount()).isEqualTo(id + 1);
        assertThat(settlement(0).batchIdOf(addr(1), tree.root())).hasValue(id);
        assertThat(settlement(0).batchEvents(0)).extracting(ev -> ev.<Keccak256>arg("root")).containsExactly(tree.root());

        for (SignedReceipt s : batch) {
            assertThat(settlement(0).isIncluded(id, s.id(), tree.proof(s.id()))).isTrue();
            var check = settlement(0).verifyReceipt(s, id, tree.proof(s.id()));
            assertThat(check).isEqualTo(new SettledCheck.Settled(s.id(), id, info.committedAt(), info.blockNumber()));
        }
    }

    @Test
    void commitBatch_rejects_unstaked_nodes_zero_roots_empty_batches_and_duplicates() {
        Keccak256 root = receipts.randomBytes32();
        assertReverted(settlement(1).commitBatch(root, 1, "u"), "NodeNotStaked", addr(1));
        stake(1);
        assertReverted(settlement(1).commitBatch(Keccak256.ZERO, 1, "u"), "ZeroRoot");
        assertReverted(settlement(1).commitBatch(root, 0, "u"), "EmptyBatch");
        long id = SettlementClient.committedBatchId(settlement(1).commitBatch(root, 1, "u").confirmed());
        assertReverted(settlement(1).commitBatch(root, 1, "u"), "BatchAlreadyCommitted", addr(1), root, BigInteger.valueOf(id));
        stake(2);
        settlement(2).commitBatch(root, 1, "u").confirmed(); // another node's identical root is its own batch
        registry(1).exit().confirmed();
        assertReverted(settlement(1).commitBatch(receipts.randomBytes32(), 1, "u"), "NodeNotStaked", addr(1));
    }

    @Test
    void commitIdempotently_commits_once_and_returns_the_same_batch_on_every_retry() {
        Keccak256 root = receipts.randomBytes32();
        assertThatThrownBy(() -> settlement(1).commitIdempotently(root, 3, "u"))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.errorName()).isEqualTo("NodeNotStaked"));
        stake(1);
        long id = settlement(1).commitIdempotently(root, 3, "u");
        assertThat(settlement(1).commitIdempotently(root, 3, "u")).isEqualTo(id);
        assertThat(settlement(0).batchCount()).isEqualTo(id + 1);
        assertThat(settlement(0).batchEvents(0)).hasSize(1);
    }

    @Test
    void a_batch_posted_by_another_node_does_not_settle_the_signers_receipts() {
        stake(1);
        stake(2);
        List<SignedReceipt> batch = batchOf(1, 3);
        TestMerkle tree = tree(batch);
        long id = SettlementClient.committedBatchId(settlement(2).commitBatch(tree.root(), 3, "u").confirmed());
        SignedReceipt s = batch.get(1);

        var check = settlement(0).verifyReceipt(s, id, tree.proof(s.id()));

        assertThat(check).isEqualTo(new SettledCheck.Rejected("BatchNotPostedBySigner", List.of(BigInteger.valueOf(id), addr(2), addr(1))));
    }

    @Test
    void verifyReceipt_rejects_tampered_receipts_foreign_signatures_missing_leaves_and_unknown_batches() {
        stake(1);
        List<SignedReceipt> batch = batchOf(1, 4);
        TestMerkle tree = tree(batch);
        long id = SettlementClient.committedBatchId(settlement(1).commitBatch(tree.root(), 4, "u").confirmed());
        SignedReceipt s = batch.getFirst();
        List<Keccak256> proof = tree.proof(s.id());

        Receipt tampered = TestReceipts.withPrice(s.receipt(), BigInteger.ZERO);
        var bad = settlement(0).verifyReceipt(new SignedReceipt(tampered, s.domain(), s.signature()), id, proof);
        assertThat(bad).isInstanceOf(SettledCheck.Rejected.class);
        assertThat(((SettledCheck.Rejected) bad).reason()).isEqualTo("InvalidSignature");
        assertThat(((SettledCheck.Rejected) bad).args().get(2)).isEqualTo(addr(1));

        SignedReceipt foreign = signed(3, s.receipt());
        var forged = (SettledCheck.Rejected) settlement(0).verifyReceipt(foreign, id, proof);
        assertThat(forged.args()).containsExactly(s.id(), addr(3), addr(1));

        SignedReceipt outsider = signed(1, receipts.receipt(addr(1)));
        assertThat(settlement(0).verifyReceipt(outsider, id, proof))
                .isEqualTo(new SettledCheck.Rejected("ReceiptNotInBatch", List.of(outsider.id(), BigInteger.valueOf(id))));
        assertThat(settlement(0).isIncluded(id, outsider.id(), proof)).isFalse();

        assertThat(settlement(0).verifyReceipt(s, 99, proof))
                .isEqualTo(new SettledCheck.Rejected("UnknownBatch", List.of(BigInteger.valueOf(99))));
        assertThat(settlement(0).batch(99)).isEmpty();
        assertThat(settlement(0).batchIdOf(addr(1), outsider.id())).isEmpty();
        assertThatThrownBy(() -> settlement(0).isIncluded(99, s.id(), proof))
                .isInstanceOfSatisfying(ContractRevertedException.class, e -> assertThat(e.errorName()).isEqualTo("UnknownBatch"));
    }

    @Test
    void equivocation_slashes_the_node_pays_the_reporter_and_cannot_be_replayed() {
        stake(1);
        Receipt a = receipts.receipt(addr(1));
        Receipt b = TestReceipts.withOutputs(a, receipts.randomBytes32());
        SignedReceipt sa = signed(1, a);
        SignedReceipt sb = signed(1, b);
        ChainConnection reporter = as(5);
        BigInteger before = reporter.balanceOf(addr(5));

        var outcome = new SettlementClient(reporter, deployment.settlement())
                .reportEquivocation(sa, sb).confirmed();

        ChainEvent eq = outcome.event("EquivocationSlashed");
        assertThat(eq.<EvmAddress>arg("node")).isEqualTo(addr(1));
        assertThat(eq.<Keccak256>arg("receiptIdA")).isEqualTo(sa.id());
        assertThat(eq.<Keccak256>arg("receiptIdB")).isEqualTo(sb.id());
        assertThat(eq.<BigInteger>arg("slashed")).isEqualTo(ether(1)); // 50% of 2 ether
        ChainEvent slashed = outcome.event("Slashed");
        assertThat(slashed.<BigInteger>arg("reward")).isEqualTo(ETHER.divide(BigInteger.TWO));
        assertThat(slashed.<EvmAddress>arg("beneficiary")).isEqualTo(addr(5));
        assertThat(registry(0).stakeOf(addr(1))).isEqualTo(ether(1));
        BigInteger gained = reporter.balanceOf(addr(5)).subtract(before);
        assertThat(gained).as("half an ether minus gas").isBetween(ETHER.divide(BigInteger.TWO).subtract(ETHER.divide(BigInteger.valueOf(100))), ETHER.divide(BigInteger.TWO));

        assertReverted(settlement(6).reportEquivocation(sa, sb),
                "EquivocationAlreadyReported", addr(1), a.requestId(), a.modelDigest());
        assertReverted(settlement(6).reportEquivocation(sb, sa), "EquivocationAlreadyReported");
        SignedReceipt third = signed(1, TestReceipts.withOutputs(a, receipts.randomBytes32()));
        assertReverted(settlement(6).reportEquivocation(sa, third), "EquivocationAlreadyReported");
    }

    @Test
    void two_v2_receipts_of_one_request_with_different_outputs_are_equivocation_too() {
        stake(1);
        Receipt a = receipts.receipt(addr(1)).withV2(receipts.v2());
        SignedReceipt sa = signed(1, a);
        SignedReceipt sb = signed(1, TestReceipts.withOutputs(a, receipts.randomBytes32()));
        ChainEvent eq = settlement(5).reportEquivocation(sa, sb).confirmed().event("EquivocationSlashed");
        assertThat(eq.<Keccak256>arg("receiptIdA")).isEqualTo(sa.id());
        assertThat(eq.<Keccak256>arg("receiptIdB")).isEqualTo(sb.id());
        assertReverted(settlement(6).reportEquivocation(sb, sa), "EquivocationAlreadyReported");
        assertThatThrownBy(() -> settlement(6).reportEquivocation(sa, signed(1, receipts.receipt(addr(1)))))
                .hasMessage("both receipts must have one format (v1 or v2), got versions 2 and 1");
    }

    @Test
    void a_batch_may_hold_v1_and_v2_receipts_and_each_verifies_on_chain() {
        stake(1);
        SignedReceipt v1 = signed(1, receipts.receipt(addr(1)));
        SignedReceipt v2 = signed(1, receipts.receipt(addr(1)).withV2(receipts.v2()));
        TestMerkle tree = tree(List.of(v1, v2));
        long id = SettlementClient.committedBatchId(settlement(1).commitBatch(tree.root(), 2, "u").confirmed());
        for (SignedReceipt s : List.of(v1, v2)) {
            assertThat(settlement(0).verifyReceipt(s, id, tree.proof(s.id()))).isInstanceOfSatisfying(SettledCheck.Settled.class,
                    settled -> assertThat(settled.receiptId()).isEqualTo(s.id()));
        }
        // a v2 receipt whose served model is changed after signing no longer verifies
        Receipt r = v2.receipt();
        var changed = new ReceiptV2(r.v2().requestedModel(), "gpt-3.5-turbo", r.v2().provider(), r.v2().promptTokens(),
                r.v2().completionTokens(), r.v2().payer(), r.v2().cumulativeAmount(), r.v2().prevReceipt(), r.v2().attachmentsDigest());
        var check = settlement(0).verifyReceipt(new SignedReceipt(r.withV2(changed), v2.domain(), v2.signature()), id,
                tree.proof(v2.id()));
        assertThat(check).isInstanceOfSatisfying(SettledCheck.Rejected.class, rej -> assertThat(rej.reason()).isEqualTo("InvalidSignature"));
    }

    @Test
    void equivocation_evidence_must_be_one_node_one_request_one_model_different_outputs_and_genuine() {
        stake(1);
        stake(2);
        Receipt a = receipts.receipt(addr(1));
        SignedReceipt sa = signed(1, a);

        Receipt otherNode = TestReceipts.withOutputs(TestReceipts.withNode(a, addr(2)), receipts.randomBytes32());
        SignedReceipt so = signed(2, otherNode);
        assertReverted(settlement(5).reportEquivocation(sa, so), "NodeMismatch", addr(1), addr(2));

        Receipt sameOutputs = TestReceipts.withPrice(a, BigInteger.TEN);
        SignedReceipt ss = signed(1, sameOutputs);
        assertReverted(settlement(5).reportEquivocation(sa, ss), "OutputsNotConflicting", a.outputsDigest());

        Receipt otherRequest = receipts.receipt(addr(1), receipts.randomBytes32(), a.modelDigest(), receipts.randomBytes32());
        assertReverted(settlement(5).reportEquivocation(sa, signed(1, otherRequest)),
                "RequestMismatch", a.requestId(), otherRequest.requestId());

        Receipt otherModel = receipts.receipt(addr(1), a.requestId(), receipts.randomBytes32(), receipts.randomBytes32());
        assertReverted(settlement(5).reportEquivocation(sa, signed(1, otherModel)),
                "ModelMismatch", a.modelDigest(), otherModel.modelDigest());

        Receipt b = TestReceipts.withOutputs(a, receipts.randomBytes32());
        SignedReceipt framed = signed(5, b);
        assertReverted(settlement(5).reportEquivocation(sa, framed), "InvalidSignature", b.id(receiptDomain()), addr(5), addr(1));
        SignedReceipt malformed = new SignedReceipt(a, receiptDomain(), Signature.wrap(new byte[Signature.LENGTH]));
        assertReverted(settlement(5).reportEquivocation(malformed, signed(1, b)), "InvalidSignature");
        assertThat(registry(0).stakeOf(addr(1))).isEqualTo(ether(2));
    }

    @Test
    void equivocation_by_a_node_with_nothing_at_stake_or_never_registered_is_refused() {
        stake(1);
        registry(1).exit().confirmed();
        devnet.advanceTime(java.time.Duration.ofDays(2));
        registry(1).withdraw().confirmed();
        Receipt a = receipts.receipt(addr(1));
        Receipt b = TestReceipts.withOutputs(a, receipts.randomBytes32());
        assertReverted(settlement(5).reportEquivocation(signed(1, a), signed(1, b)), "NothingToSlash", addr(1));

        Receipt c = receipts.receipt(addr(3));
        Receipt d = TestReceipts.withOutputs(c, receipts.randomBytes32());
        assertReverted(settlement(5).reportEquivocation(signed(3, c), signed(3, d)), "NotRegistered", addr(3));
    }

    @Test
    void the_constructor_rejects_out_of_range_basis_points() {
        assertThatThrownBy(() -> Contracts.deploy(as(0), "Settlement", W3.address(deployment.nodeRegistry()), new Uint16(0), new Uint16(0)))
                .isInstanceOf(ChainException.class).hasMessageContaining("InvalidBps");
        assertThatThrownBy(() -> Contracts.deploy(as(0), "Settlement", W3.address(deployment.nodeRegistry()), new Uint16(100), new Uint16(10_001)))
                .isInstanceOf(ChainException.class).hasMessageContaining("InvalidBps");
    }
}
