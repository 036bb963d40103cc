package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.contracts.PaymentsClient;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class PaymentsIT extends DevnetTestBase {
    static final int CLIENT = 3;
    static final int NODE = 1;
    static final int OTHER_NODE = 2;

    static SignedVoucher voucher(int client, int node, BigInteger cumulative) {
        return payments(client).sign(new Voucher(addr(client), addr(node), cumulative));
    }

    @Test
    void deposits_accumulate_and_zero_is_refused() {
        var e = payments(CLIENT).deposit(ether(2)).confirmed().event("Deposited");
        assertThat(e.<BigInteger>arg("balance")).isEqualTo(ether(2));
        payments(CLIENT).deposit(ether(1)).confirmed();
        assertThat(payments(0).depositOf(addr(CLIENT))).isEqualTo(ether(3));
        assertReverted(payments(CLIENT).deposit(BigInteger.ZERO), "ZeroAmount");
    }

    @Test
    void voucher_digests_computed_in_java_match_the_contract() {
        Voucher v = new Voucher(addr(CLIENT), addr(NODE), new BigInteger("123456789012345678901234567890"));
        assertThat(payments(0).voucherDigest(v)).isEqualTo(v.digest(devnet.chainId(), deployment.payments()));
    }

    @Test
    void the_node_redeems_cumulative_vouchers_and_is_paid_the_difference() {
        payments(CLIENT).deposit(ether(5)).confirmed();
        ChainConnection node = as(NODE);
        PaymentsClient nodePayments = new PaymentsClient(node, deployment.payments());
        BigInteger before = node.balanceOf(addr(NODE));

        var first = nodePayments.redeem(voucher(CLIENT, NODE, ether(1))).confirmed().event("VoucherRedeemed");
        assertThat(first.<BigInteger>arg("paid")).isEqualTo(ether(1));
        var second = nodePayments.redeem(voucher(CLIENT, NODE, ether(3))).confirmed().event("VoucherRedeemed");
        assertThat(second.<BigInteger>arg("paid")).isEqualTo(ether(2));
        assertThat(second.<BigInteger>arg("cumulativeAmount")).isEqualTo(ether(3));

        assertThat(payments(0).redeemed(addr(CLIENT), addr(NODE))).isEqualTo(ether(3));
        assertThat(payments(0).depositOf(addr(CLIENT))).isEqualTo(ether(2));
        assertThat(node.balanceOf(addr(NODE)).subtract(before)).as("3 ether minus gas")
                .isBetween(ether(3).subtract(ETHER.divide(BigInteger.valueOf(100))), ether(3));
    }

    @Test
    void the_same_voucher_twice_or_an_older_one_is_rejected() {
        payments(CLIENT).deposit(ether(5)).confirmed();
        SignedVoucher v2 = voucher(CLIENT, NODE, ether(2));
        payments(NODE).redeem(v2).confirmed();
        assertReverted(payments(NODE).redeem(v2), "VoucherNotIncreasing", ether(2), ether(2));
        assertReverted(payments(NODE).redeem(voucher(CLIENT, NODE, ether(1))), "VoucherNotIncreasing", ether(1), ether(2));
        assertThat(payments(0).depositOf(addr(CLIENT))).isEqualTo(ether(3));
    }

    @Test
    void only_the_voucher_node_redeems_it_and_a_voucher_from_another_channel_does_not_verify() {
        payments(CLIENT).deposit(ether(5)).confirmed();
        SignedVoucher forNode = voucher(CLIENT, NODE, ether(1));
        assertReverted(payments(OTHER_NODE).redeem(forNode), "NotVoucherNode", addr(OTHER_NODE), addr(NODE));

        // the other node claims node 1's voucher for its own channel: the client never signed that
        SignedVoucher stolen = new SignedVoucher(new Voucher(addr(CLIENT), addr(OTHER_NODE), ether(1)), forNode.signature());
        TxOutcome r = payments(OTHER_NODE).redeem(stolen);
        assertReverted(r, "InvalidVoucherSignature");
        assertThat(((TxOutcome.Reverted) r).args().get(1)).isEqualTo(addr(CLIENT));

        // a voucher of another client's channel presented as this client's
        payments(4).deposit(ether(1)).confirmed();
        SignedVoucher otherClient = voucher(4, NODE, ether(1));
        SignedVoucher swapped = new SignedVoucher(new Voucher(addr(CLIENT), addr(NODE), ether(1)), otherClient.signature());
        assertReverted(payments(NODE).redeem(swapped), "InvalidVoucherSignature");

        SignedVoucher garbage = new SignedVoucher(new Voucher(addr(CLIENT), addr(NODE), ether(1)), new byte[65]);
        assertReverted(payments(NODE).redeem(garbage), "InvalidVoucherSignature", EvmAddress.ZERO, addr(CLIENT));
        assertThat(payments(0).depositOf(addr(CLIENT))).isEqualTo(ether(5));
    }

    @Test
    void a_voucher_never_draws_more_than_the_deposit() {
        payments(CLIENT).deposit(ether(1)).confirmed();
        assertReverted(payments(NODE).redeem(voucher(CLIENT, NODE, ether(2))), "InsufficientDeposit", ether(2), ether(1));
        payments(NODE).redeem(voucher(CLIENT, NODE, ether(1))).confirmed();
        assertReverted(payments(OTHER_NODE).redeem(voucher(CLIENT, OTHER_NODE, BigInteger.ONE)), "InsufficientDeposit", BigInteger.ONE, BigInteger.ZERO);
    }

    @Test
    void withdrawal_waits_for_the_delay_and_is_capped_by_redemptions_made_meanwhile() {
        payments(CLIENT).deposit(ether(3)).confirmed();
        assertReverted(payments(CLIENT).withdraw(), "NoWithdrawalPending", addr(CLIENT));
        assertReverted(payments(CLIENT).requestWithdrawal(BigInteger.ZERO), "ZeroAmount");
        assertReverted(payments(CLIENT).requestWithdrawal(ether(4)), "AmountExceedsDeposit", ether(4), ether(3));

        var requested = payments(CLIENT).requestWithdrawal(ether(3)).confirmed().event("WithdrawalRequested");
        BigInteger readyAt = requested.arg("readyAt");
        assertThat(payments(0).withdrawalReadyAt(addr(CLIENT)).getEpochSecond()).isEqualTo(readyAt.longValueExact());
        assertThat(payments(0).pendingWithdrawal(addr(CLIENT))).isEqualTo(ether(3));
        TxOutcome early = payments(CLIENT).withdraw();
        assertReverted(early, "WithdrawalNotReady");
        assertThat(((TxOutcome.Reverted) early).args().getFirst()).isEqualTo(readyAt);

        payments(NODE).redeem(voucher(CLIENT, NODE, ether(1))).confirmed(); // the node redeems during the delay
        devnet.advanceTime(Duration.ofDays(1).plusSeconds(1));
        var withdrawn = payments(CLIENT).withdraw().confirmed().event("Withdrawn");
        assertThat(withdrawn.<BigInteger>arg("amount")).isEqualTo(ether(2));
        assertThat(withdrawn.<BigInteger>arg("balance")).isZero();
        assertThat(payments(0).depositOf(addr(CLIENT))).isZero();
        assertThat(payments(0).pendingWithdrawal(addr(CLIENT))).isZero();
        assertReverted(payments(CLIENT).withdraw(), "NoWithdrawalPending", addr(CLIENT));
    }

    @Test
    void signing_a_voucher_for_someone_else_is_refused_in_java() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Voucher(addr(4), addr(NODE), ETHER)
                        .sign(devnet.account(CLIENT).key(), devnet.chainId(), deployment.payments()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("voucher client is " + addr(4) + " but the signer is " + addr(CLIENT));
    }
}
