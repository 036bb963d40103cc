package io.verity.client.bill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PayerBillTest {
    static final NodeKey NODE = NodeKey.generate(new SecureRandom());
    static final EvmAddress PAYER = EvmAddress.parse("0x" + "44".repeat(20));
    static final Eip712Domain DOMAIN = Eip712Domain.verity(31337, EvmAddress.parse("0x" + "ab".repeat(20)));
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    static SignedReceipt receipt(int seconds, long price, EvmAddress payer) {
        Receipt r = new Receipt(Receipt.VERSION, Keccak256.hash(new byte[] {(byte) seconds}), Keccak256.ZERO, "llama.cpp", Keccak256.ZERO,
                Keccak256.ZERO, Keccak256.ZERO, NODE.address(), Keccak256.ZERO, VerificationMode.NONE, BigInteger.valueOf(price),
                T0.plusSeconds(seconds).toEpochMilli());
        return SignedReceipt.sign(r.withV2(ReceiptV2.served("m", "m", "", 3, 4).withPayment(payer, BigInteger.ZERO)), DOMAIN, NODE);
    }

    static Channels channel(Optional<BigInteger> voucher, long redeemed) {
        return new Channels(Map.of(NODE.address(), voucher), Map.of(NODE.address(), BigInteger.valueOf(redeemed)));
    }

    @Test
    void receipts_that_add_up_to_the_latest_voucher_reconcile_and_each_answer_names_the_voucher_total_that_pays_for_it() {
        List<SignedReceipt> rs = List.of(receipt(30, 300, PAYER), receipt(10, 100, PAYER), receipt(20, 200, PAYER),
                receipt(40, 999, EvmAddress.parse("0x" + "55".repeat(20)))); // another payer's: not on this bill
        PayerBill b = PayerBill.of(PAYER, new TimeRange(T0.plusSeconds(15), T0.plusSeconds(60)), rs,
                channel(Optional.of(BigInteger.valueOf(600)), 400));
        assertThat(b.ok()).isTrue();
        assertThat(b.lines()).extracting(l -> l.price().longValue(), l -> l.voucher().longValue())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(200L, 300L), org.assertj.core.groups.Tuple.tuple(300L, 600L));
        PayerBill.NodeAccount n = b.nodes().getFirst();
        assertThat(n.receipts()).isEqualTo(3);
        assertThat(n.receiptsSum()).isEqualTo(600);
        assertThat(n.chargedInRange()).isEqualTo(500);
        assertThat(n.unredeemed()).contains(BigInteger.valueOf(200));
        assertThat(b.json().at("/nodes/0/unredeemed").asText()).isEqualTo("200");
    }

    @Test
    void a_voucher_above_the_receipts_a_redemption_above_the_voucher_and_an_unknown_voucher_are_mismatches() {
        List<SignedReceipt> rs = List.of(receipt(1, 100, PAYER), receipt(2, 200, PAYER));
        assertThat(PayerBill.of(PAYER, new TimeRange(T0, T0.plusSeconds(9)), rs, channel(Optional.of(BigInteger.valueOf(301)), 0))
                .nodes().getFirst().mismatches()).singleElement().asString().contains("1 wei paid that no receipt backs");
        assertThat(PayerBill.of(PAYER, new TimeRange(T0, T0.plusSeconds(9)), rs, channel(Optional.of(BigInteger.valueOf(250)), 0))
                .nodes().getFirst().mismatches()).singleElement().asString().contains("50 wei of receipts the payer did not pay for");
        assertThat(PayerBill.of(PAYER, new TimeRange(T0, T0.plusSeconds(9)), rs, channel(Optional.of(BigInteger.valueOf(300)), 301))
                .nodes().getFirst().mismatches()).singleElement().asString().contains("more than the latest voucher");
        PayerBill unknown = PayerBill.of(PAYER, new TimeRange(T0, T0.plusSeconds(9)), rs, channel(Optional.empty(), 0));
        assertThat(unknown.ok()).isFalse();
        assertThat(unknown.json().at("/nodes/0/latestVoucher").isNull()).isTrue();
    }

    @Test
    void a_node_holding_a_voucher_without_any_receipt_is_on_the_bill() {
        PayerBill b = PayerBill.of(PAYER, new TimeRange(T0, T0), List.of(), channel(Optional.of(BigInteger.TEN), 0));
        assertThat(b.nodes()).singleElement().satisfies(n -> assertThat(n.ok()).isFalse());
        // one that did not answer and has nothing on record for the payer is not
        assertThat(PayerBill.of(PAYER, new TimeRange(T0, T0), List.of(), channel(Optional.empty(), 0)).nodes()).isEmpty();
    }

    @Test
    void times_are_instants_dates_now_or_ages_and_a_bad_one_names_its_flag() {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        assertThat(TimeRange.parse("24h", null, "30d", now, "--from", "--to")).isEqualTo(new TimeRange(now.minusSeconds(86_400), now));
        assertThat(TimeRange.parse(null, "2026-12-07", "2026-12-01", now, "--from", "--to").to()).isEqualTo(Instant.parse("2026-12-07T00:00:00Z"));
        assertThatThrownBy(() -> TimeRange.parse(null, "later", "30d", now, "--from", "--to")).isInstanceOfSatisfying(TimeRange.BadTime.class,
                e -> assertThat(e.name).isEqualTo("--to")).hasMessageStartingWith("--to: expected an ISO-8601 time");
        assertThatThrownBy(() -> TimeRange.parse("now", "1d", "30d", now, "from", "to")).isInstanceOfSatisfying(TimeRange.BadTime.class,
                e -> assertThat(e.name).isEqualTo("from")).hasMessageContaining("is after to");
    }
}
