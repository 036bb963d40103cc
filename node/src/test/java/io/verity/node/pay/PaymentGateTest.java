package io.verity.node.pay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.ChainAccount;
import io.verity.chain.TxOutcome;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 5: the node's payment gate over real voucher channels (signed vouchers, durable store) and an
 * in-memory Payments contract. A payer is served while it owes less than the credit beyond its vouchers.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PaymentGateTest {
    static final BigInteger PRICE = BigInteger.valueOf(1000);
    static final EvmAddress PAYMENTS = EvmAddress.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    static final ChainAccount NODE = ChainAccount.fromPrivateKey("0x" + "01".repeat(32));
    static final ChainAccount CLIENT = ChainAccount.fromPrivateKey("0x" + "02".repeat(32));

    /** Deposits by client; redeemed stays zero (the redeemer never runs within a test). */
    static final class FakePayments implements PaymentsPort {
        final Map<EvmAddress, BigInteger> deposits = new ConcurrentHashMap<>();

        @Override
        public BigInteger redeemed(EvmAddress client) {
            return BigInteger.ZERO;
        }

        @Override
        public BigInteger deposit(EvmAddress client) {
            return deposits.getOrDefault(client, BigInteger.ZERO);
        }

        @Override
        public TxOutcome redeem(SignedVoucher voucher) {
            throw new IllegalStateException("not in this test");
        }

        @Override
        public void close() {}
    }

    @TempDir Path home;
    final FakePayments chain = new FakePayments();
    PaymentChannels channels;

    @BeforeEach
    void open() throws Exception {
        chain.deposits.put(CLIENT.address(), BigInteger.TEN.pow(18));
        channels = PaymentChannels.start(home, chain, chain, NODE.address(), VoucherJson.domain(31337, PAYMENTS),
                Duration.ofHours(1), Duration.ofSeconds(1), InstantSource.system());
    }

    @AfterEach
    void close() {
        channels.close();
    }

    void pay(BigInteger cumulative) throws Exception {
        SignedVoucher v = new Voucher(CLIENT.address(), NODE.address(), cumulative).sign(CLIENT.key(), 31337, PAYMENTS);
        assertThat(channels.accept(new VoucherJson.Envelope(v, VoucherJson.domain(31337, PAYMENTS))))
                .isInstanceOf(PaymentChannels.Acceptance.Accepted.class);
    }

    /** Serves one answer of {@code price} to the client. */
    void serve(PaymentGate gate, BigInteger price) {
        try (PaymentGate.Ticket t = gate.admit(Optional.of(CLIENT.address()))) {
            t.charge(price);
        }
    }

    @Test
    void serves_a_payer_up_to_the_credit_beyond_its_vouchers_then_names_what_is_owed() throws Exception {
        PaymentGate gate = new PaymentGate(channels, PRICE, Optional.of(PRICE.multiply(BigInteger.valueOf(3))));
        for (int i = 0; i < 3; i++) serve(gate, PRICE);
        assertThatThrownBy(() -> gate.admit(Optional.of(CLIENT.address())))
                .isInstanceOfSatisfying(PaymentGate.Refused.class, r -> {
                    assertThat(r.owed()).isEqualTo(PRICE.multiply(BigInteger.valueOf(3)));
                    assertThat(r.held()).isZero();
                    assertThat(r.credit()).isEqualTo(PRICE.multiply(BigInteger.valueOf(3)));
                    assertThat(r.payer()).contains(CLIENT.address());
                })
                .hasMessage("payer " + CLIENT.address() + " owes 3000 wei beyond the 0 wei its vouchers cover, and this"
                        + " node's credit is 3000 wei; send a voucher for at least 3000 wei (cumulative) to POST /v1/vouchers");
        pay(PRICE.multiply(BigInteger.TWO)); // pays for two of the three: two more answers fit
        serve(gate, PRICE);
        serve(gate, PRICE);
        assertThatThrownBy(() -> gate.admit(Optional.of(CLIENT.address()))).isInstanceOf(PaymentGate.Refused.class);
        pay(PRICE.multiply(BigInteger.valueOf(4)));
        serve(gate, PRICE);
    }

    @Test
    void unpaid_is_what_answers_cost_beyond_the_vouchers_and_unredeemed_what_the_vouchers_hold_beyond_the_chain()
            throws Exception {
        PaymentGate gate = new PaymentGate(channels, PRICE, Optional.empty());
        assertThat(gate.unpaid()).isZero();
        for (int i = 0; i < 3; i++) serve(gate, PRICE);
        assertThat(gate.unpaid()).isEqualTo(PRICE.multiply(BigInteger.valueOf(3)));
        assertThat(channels.unredeemed()).isZero();
        pay(PRICE.multiply(BigInteger.TWO)); // the metrics of docs/alerts.yml: unpaid credit, unredeemed vouchers
        assertThat(gate.unpaid()).isEqualTo(PRICE);
        assertThat(channels.unredeemed()).isEqualTo(PRICE.multiply(BigInteger.TWO));
        pay(PRICE.multiply(BigInteger.valueOf(5))); // paid ahead: owes nothing, never less than nothing
        assertThat(gate.unpaid()).isZero();
    }

    @Test
    void requests_in_flight_count_against_the_credit_and_a_request_that_signed_nothing_gives_it_back() {
        PaymentGate gate = new PaymentGate(channels, PRICE, Optional.of(PRICE.multiply(BigInteger.TWO)));
        PaymentGate.Ticket a = gate.admit(Optional.of(CLIENT.address()));
        PaymentGate.Ticket b = gate.admit(Optional.of(CLIENT.address()));
        assertThatThrownBy(() -> gate.admit(Optional.of(CLIENT.address()))).isInstanceOf(PaymentGate.Refused.class);
        a.close(); // failed before signing
        a.close(); // idempotent
        b.charge(PRICE);
        b.close(); // after charge: nothing more to give back
        serve(gate, PRICE);
        assertThatThrownBy(() -> gate.admit(Optional.of(CLIENT.address())))
                .isInstanceOfSatisfying(PaymentGate.Refused.class, r -> assertThat(r.owed()).isEqualTo(PRICE.multiply(BigInteger.TWO)));
    }

    @Test
    void refuses_a_request_that_names_no_payer_and_a_payer_with_no_money_anywhere() {
        PaymentGate gate = new PaymentGate(channels, PRICE, Optional.empty());
        assertThat(gate.credit()).isEqualTo(PRICE.multiply(BigInteger.valueOf(PaymentGate.DEFAULT_CREDIT_ANSWERS)));
        assertThatThrownBy(() -> gate.admit(Optional.empty())).isInstanceOf(PaymentGate.Refused.class)
                .hasMessage("this node charges 1000 wei per answer and is paid in vouchers: name the paying account in the"
                        + " Verity-Payer header and send its vouchers to POST /v1/vouchers, or ask through a gateway");
        EvmAddress stranger = ChainAccount.fromPrivateKey("0x" + "03".repeat(32)).address();
        assertThatThrownBy(() -> gate.admit(Optional.of(stranger))).isInstanceOf(PaymentGate.Refused.class)
                .hasMessage("payer " + stranger + " has no deposit in Payments and no voucher here: deposit first, then pay"
                        + " for answers with vouchers");
        chain.deposits.put(stranger, BigInteger.ONE); // once it deposits, it gets credit
        gate.admit(Optional.of(stranger)).close();
    }

    @Test
    void the_default_credit_is_a_hundred_answers_as_dear_as_the_dearest_signed() {
        PaymentGate gate = new PaymentGate(channels, PRICE, Optional.empty());
        assertThat(gate.credit()).isEqualTo(PRICE.multiply(BigInteger.valueOf(100)));
        BigInteger chat = PRICE.multiply(BigInteger.valueOf(108)); // a language model's answer: 108 tokens
        for (int i = 0; i < 100; i++) serve(gate, chat);
        assertThat(gate.credit()).isEqualTo(chat.multiply(BigInteger.valueOf(100)));
        assertThatThrownBy(() -> gate.admit(Optional.of(CLIENT.address())))
                .isInstanceOfSatisfying(PaymentGate.Refused.class, r -> assertThat(r.owed()).isEqualTo(r.credit()));
    }

    @Test
    void a_restarted_node_starts_a_payer_at_what_its_vouchers_cover() throws Exception {
        pay(PRICE.multiply(BigInteger.valueOf(5)));
        PaymentGate gate = new PaymentGate(channels, PRICE, Optional.of(PRICE));
        serve(gate, PRICE); // owes 0 before: served; owes one answer now
        assertThatThrownBy(() -> gate.admit(Optional.of(CLIENT.address()))).isInstanceOf(PaymentGate.Refused.class);
    }

    @Test
    void a_credit_must_be_positive() {
        assertThatThrownBy(() -> ChainSettings.of(Path.of("d.json")).withPaymentCredit(BigInteger.ZERO))
                .hasMessage("paymentCredit must be > 0 wei, got 0");
        assertThat(Eip712Domain.LOCAL.chainId()).isEqualTo(31337); // the domain the test's vouchers are signed in
    }
}
