package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.Signature;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * Operator (cold) and node (hot) keys apart in NodeRegistry: the operator stakes, withdraws and is paid; the node
 * key it authorised (with the key's consent) signs and commits; the operator rotates or revokes that key, and
 * slashing for anything a key signed still reaches the operator's stake.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class NodeKeysIT extends DevnetTestBase {
    static final int OPERATOR = 1;
    static final int NODE = 3;
    static final int NEW_NODE = 4;
    static final int CLIENT = 5;
    static final int SLASHER = 7;
    static final Keccak256 MODEL = Keccak256.hash(new byte[] {1});
    static final Keccak256 ROOT = Keccak256.hash(new byte[] {42});
    static final BigInteger PRICE = BigInteger.valueOf(1_000);

    static Signature consent(int operator, int node) {
        return registry(0).consentFor(addr(operator), devnet.account(node).key());
    }

    static TxOutcome registerNode(int operator, int node, BigInteger stake) {
        return registry(operator).registerNode(addr(node), consent(operator, node), "http://127.0.0.1:9003", List.of(MODEL),
                Keccak256.ZERO, PRICE, stake);
    }

    @Test
    void an_operator_registers_a_node_key_with_its_consent_and_the_stake_is_the_operators() {
        var outcome = registerNode(OPERATOR, NODE, ether(2)).confirmed();

        var authorised = outcome.event("NodeKeyAuthorized");
        assertThat(authorised.<EvmAddress>arg("operator")).isEqualTo(addr(OPERATOR));
        assertThat(authorised.<EvmAddress>arg("node")).isEqualTo(addr(NODE));
        assertThat(outcome.event("NodeRegistered").<EvmAddress>arg("node")).isEqualTo(addr(NODE));
        NodeRegistryClient r = registry(0);
        assertThat(r.operatorOf(addr(NODE))).contains(addr(OPERATOR));
        assertThat(r.nodeOf(addr(OPERATOR))).contains(addr(NODE));
        assertThat(r.isStaked(addr(NODE))).isTrue();
        assertThat(r.stakeOf(addr(NODE))).isEqualTo(ether(2));
        assertThat(r.node(addr(NODE)).orElseThrow().stake()).isEqualTo(ether(2));
        assertThat(r.activeNodes()).containsExactly(addr(NODE));
        // the operator is no node of its own: gateways never see it
        assertThat(r.node(addr(OPERATOR))).isEmpty();
    }

    @Test
    void consent_must_be_the_node_keys_signature_for_this_operator() {
        Signature byAnotherKey = consent(OPERATOR, NEW_NODE);
        assertReverted(registry(OPERATOR).registerNode(addr(NODE), byAnotherKey, "http://n", List.of(), Keccak256.ZERO, PRICE,
                ether(1)), "InvalidConsent");
        Signature forAnotherOperator = consent(2, NODE);
        assertReverted(registry(OPERATOR).registerNode(addr(NODE), forAnotherOperator, "http://n", List.of(), Keccak256.ZERO,
                PRICE, ether(1)), "InvalidConsent");
        assertThat(registry(0).isStaked(addr(NODE))).isFalse();
    }

    @Test
    void a_key_serves_one_operator_and_an_operator_backs_one_key_at_a_time() {
        registerNode(OPERATOR, NODE, ether(1)).confirmed();
        assertReverted(registerNode(2, NODE, ether(1)), "NotOperator", addr(2), addr(OPERATOR));
        assertReverted(registry(NODE).register("http://n", List.of(), Keccak256.ZERO, PRICE, ether(1)),
                "NotOperator", addr(NODE), addr(OPERATOR));
        assertReverted(registerNode(OPERATOR, NEW_NODE, ether(1)), "OperatorHasNode", addr(OPERATOR), addr(NODE));
    }

    @Test
    void the_node_key_commits_batches_but_cannot_top_up_unbond_exit_or_withdraw_the_stake() {
        registerNode(OPERATOR, NODE, ether(1)).confirmed();

        settlement(NODE).commitBatch(ROOT, 3, "http://127.0.0.1:9003/v1/batches/0").confirmed();
        assertReverted(settlement(OPERATOR).commitBatch(ROOT, 3, "u"), "NodeNotStaked", addr(OPERATOR));

        assertReverted(registry(NODE).requestUnbond(ether(1)), "NotOperator", addr(NODE), addr(OPERATOR));
        assertReverted(registry(NODE).exit(), "NotOperator", addr(NODE), addr(OPERATOR));
        assertReverted(registry(NODE).withdraw(), "NotOperator", addr(NODE), addr(OPERATOR));
        assertReverted(registry(NODE).topUp(ether(1)), "NotOperator", addr(NODE), addr(OPERATOR));
        // the node key keeps its service record up to date itself
        registry(NODE).update("http://127.0.0.1:9999", List.of(MODEL), Keccak256.ZERO, PRICE).confirmed();
        registry(NODE).heartbeat().confirmed();
    }

    @Test
    void the_operator_withdraws_the_stake_to_itself() {
        registerNode(OPERATOR, NODE, ether(2)).confirmed();
        registry(OPERATOR).exit().confirmed();
        devnet.advanceTime(registry(0).unbondingDelay().plus(Duration.ofSeconds(1)));
        BigInteger node = as(0).balanceOf(addr(NODE));
        BigInteger operator = as(0).balanceOf(addr(OPERATOR));

        var withdrawn = registry(OPERATOR).withdraw().confirmed().event("Withdrawn");

        assertThat(withdrawn.<BigInteger>arg("amount")).isEqualTo(ether(2));
        assertThat(as(0).balanceOf(addr(OPERATOR)).subtract(operator)).as("2 ether minus gas")
                .isBetween(ether(2).subtract(ETHER.divide(BigInteger.valueOf(100))), ether(2));
        assertThat(as(0).balanceOf(addr(NODE))).isEqualTo(node);
    }

    @Test
    void rotation_moves_the_service_to_the_new_key_and_the_old_keys_batches_are_refused() {
        registerNode(OPERATOR, NODE, ether(2)).confirmed();
        settlement(NODE).commitBatch(ROOT, 1, "u").confirmed();

        var rotated = registry(OPERATOR).rotateNodeKey(addr(NEW_NODE), consent(OPERATOR, NEW_NODE)).confirmed()
                .event("NodeKeyRotated");

        assertThat(rotated.<EvmAddress>arg("oldNode")).isEqualTo(addr(NODE));
        assertThat(rotated.<EvmAddress>arg("newNode")).isEqualTo(addr(NEW_NODE));
        NodeRegistryClient r = registry(0);
        assertThat(r.isStaked(addr(NEW_NODE))).isTrue();
        assertThat(r.isStaked(addr(NODE))).isFalse();
        assertThat(r.isRevoked(addr(NODE))).isTrue();
        assertThat(r.activeNodes()).containsExactly(addr(NEW_NODE));
        assertThat(r.nodeOf(addr(OPERATOR))).contains(addr(NEW_NODE));
        assertThat(r.node(addr(NEW_NODE)).orElseThrow().endpoint()).isEqualTo("http://127.0.0.1:9003");
        assertThat(r.stakeOf(addr(NEW_NODE))).isEqualTo(ether(2));

        Keccak256 next = Keccak256.hash(new byte[] {43});
        assertReverted(settlement(NODE).commitBatch(next, 1, "u"), "NodeNotStaked", addr(NODE));
        settlement(NEW_NODE).commitBatch(next, 1, "u").confirmed();
        assertReverted(registry(NODE).update("http://x", List.of(), Keccak256.ZERO, PRICE), "KeyRevoked", addr(NODE));
        assertReverted(registerNode(OPERATOR, NODE, ether(1)), "KeyRevoked", addr(NODE));
        // a key already registered cannot be rotated to (it would take over someone else's record)
        assertReverted(registry(OPERATOR).rotateNodeKey(addr(NODE), consent(OPERATOR, NODE)), "AlreadyRegistered", addr(NODE));
    }

    @Test
    void revocation_stops_the_key_and_leaves_the_stake_with_the_operator_for_a_new_key() {
        registerNode(OPERATOR, NODE, ether(2)).confirmed();

        var revoked = registry(OPERATOR).revokeNodeKey().confirmed().event("NodeKeyRevoked");

        assertThat(revoked.<EvmAddress>arg("node")).isEqualTo(addr(NODE));
        assertThat(registry(0).isStaked(addr(NODE))).isFalse();
        assertThat(registry(0).activeNodes()).isEmpty();
        assertThat(registry(0).nodeOf(addr(OPERATOR))).isEmpty();
        assertReverted(settlement(NODE).commitBatch(ROOT, 1, "u"), "NodeNotStaked", addr(NODE));
        assertReverted(registry(OPERATOR).revokeNodeKey(), "NoNodeKey", addr(OPERATOR));
        assertThat(registry(0).stakeOf(addr(NODE))).as("still the operator's").isEqualTo(ether(2));

        // the kept stake backs a new key: no fresh deposit needed
        registerNode(OPERATOR, NEW_NODE, BigInteger.ZERO).confirmed();
        assertThat(registry(0).isStaked(addr(NEW_NODE))).isTrue();
        registry(OPERATOR).requestUnbond(ether(1)).confirmed();
        assertThat(registry(0).stakeOf(addr(NEW_NODE))).isEqualTo(ether(1));
    }

    @Test
    void slashing_a_replaced_key_still_reaches_the_operators_stake() {
        registry(0).setSlasher(addr(SLASHER), true).confirmed();
        registerNode(OPERATOR, NODE, ether(3)).confirmed();
        registry(OPERATOR).rotateNodeKey(addr(NEW_NODE), consent(OPERATOR, NEW_NODE)).confirmed();

        var slashed = registry(SLASHER).slash(addr(NODE), ether(1), addr(8), BigInteger.ZERO,
                Keccak256.hash("test".getBytes())).confirmed().event("Slashed");

        assertThat(slashed.<BigInteger>arg("amount")).isEqualTo(ether(1));
        assertThat(registry(0).stakeOf(addr(NEW_NODE))).isEqualTo(ether(2));
        assertThat(registry(0).node(addr(NODE)).orElseThrow().stake()).isEqualTo(ether(2));
    }

    @Test
    void vouchers_redeemed_by_the_node_key_or_the_operator_pay_the_operator() {
        registerNode(OPERATOR, NODE, ether(1)).confirmed();
        payments(CLIENT).deposit(ether(5)).confirmed();
        BigInteger node = as(0).balanceOf(addr(NODE));
        BigInteger operator = as(0).balanceOf(addr(OPERATOR));

        PaymentsClient byNode = payments(NODE);
        byNode.redeem(payments(CLIENT).sign(new Voucher(addr(CLIENT), addr(NODE), ether(1)))).confirmed();
        payments(OPERATOR).redeem(payments(CLIENT).sign(new Voucher(addr(CLIENT), addr(NODE), ether(3)))).confirmed();

        assertThat(payments(0).redeemed(addr(CLIENT), addr(NODE))).isEqualTo(ether(3));
        assertThat(as(0).balanceOf(addr(OPERATOR)).subtract(operator)).as("3 ether minus the operator's gas")
                .isBetween(ether(3).subtract(ETHER.divide(BigInteger.valueOf(100))), ether(3));
        assertThat(as(0).balanceOf(addr(NODE))).as("the node key only paid gas").isLessThan(node);
        assertReverted(payments(2).redeem(payments(CLIENT).sign(new Voucher(addr(CLIENT), addr(NODE), ether(4)))),
                "NotVoucherNode", addr(2), addr(NODE));
    }

    @Test
    void equivocation_by_an_operated_key_slashes_its_operator_and_a_reporting_node_keys_reward_goes_to_its_operator() {
        registerNode(OPERATOR, NODE, ether(2)).confirmed();
        registry(2).registerNode(addr(NEW_NODE), consent(2, NEW_NODE), "http://127.0.0.1:9004", List.of(MODEL), Keccak256.ZERO,
                PRICE, ether(1)).confirmed();
        TestReceipts receipts = new TestReceipts(20261207L);
        io.verity.protocol.receipt.Receipt a = receipts.receipt(addr(NODE));
        var sa = signed(NODE, a);
        var sb = signed(NODE, TestReceipts.withOutputs(a, receipts.randomBytes32()));
        BigInteger reporterOperator = as(0).balanceOf(addr(2));

        var outcome = settlement(NEW_NODE).reportEquivocation(sa, sb).confirmed();

        assertThat(outcome.event("EquivocationSlashed").<EvmAddress>arg("reporter")).isEqualTo(addr(NEW_NODE));
        assertThat(outcome.event("Slashed").<EvmAddress>arg("beneficiary")).isEqualTo(addr(2));
        assertThat(registry(0).stakeOf(addr(NODE))).as("half of the operator's 2 ether").isEqualTo(ether(1));
        assertThat(as(0).balanceOf(addr(2)).subtract(reporterOperator)).isEqualTo(ETHER.divide(BigInteger.TWO));
    }
}
