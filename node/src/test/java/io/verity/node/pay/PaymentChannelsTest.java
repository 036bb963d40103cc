package io.verity.node.pay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.verity.chain.ChainAccount;
import io.verity.chain.TxOutcome;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: a frozen chain (ChaosIT stops anvil; an RPC call then hangs until the HTTP timeout) must not hold up
 * vouchers or requests. Before the fix, {@code accept} read the deposit on the voucher's thread, so every voucher
 * POST hung with the chain, the gateway's vouchers stopped arriving and paying clients ran into the credit (402).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PaymentChannelsTest {
    static final EvmAddress PAYMENTS = PaymentGateTest.PAYMENTS;
    static final ChainAccount NODE = PaymentGateTest.NODE;
    static final ChainAccount CLIENT = PaymentGateTest.CLIENT;
    /** Bounds each test should the code wait for the frozen chain after all (it would wait forever here). */
    static final Duration HANG = Duration.ofSeconds(20);

    /** Payments whose reads hang while frozen, like anvil under SIGSTOP, and answer once thawed. */
    static final class FreezablePayments implements PaymentsPort {
        final AtomicReference<BigInteger> deposit = new AtomicReference<>(BigInteger.TEN.pow(18));
        final AtomicInteger reads = new AtomicInteger();
        volatile CountDownLatch thaw = new CountDownLatch(0);

        void freeze() {
            thaw = new CountDownLatch(1);
        }

        void thaw() {
            thaw.countDown();
        }

        private void hang() {
            reads.incrementAndGet();
            try {
                thaw.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        @Override
        public BigInteger redeemed(EvmAddress client) {
            hang();
            return BigInteger.ZERO;
        }

        @Override
        public BigInteger deposit(EvmAddress client) {
            hang();
            return client.equals(CLIENT.address()) ? deposit.get() : BigInteger.ZERO;
        }

        @Override
        public TxOutcome redeem(SignedVoucher voucher) {
            throw new IllegalStateException("not in this test");
        }

        @Override
        public void close() {
            thaw();
        }
    }

    @TempDir Path home;
    final FreezablePayments chain = new FreezablePayments();
    PaymentChannels channels;

    PaymentChannels open(Duration redeemInterval) throws Exception {
        channels = PaymentChannels.start(home, chain, chain, NODE.address(), VoucherJson.domain(31337, PAYMENTS),
                redeemInterval, Duration.ofSeconds(1), InstantSource.system(), Duration.ofMillis(50));
        return channels;
    }

    @AfterEach
    void close() {
        chain.thaw();
        if (channels != null) channels.close();
    }

    PaymentChannels.Acceptance send(long cumulative) throws Exception {
        SignedVoucher v = new Voucher(CLIENT.address(), NODE.address(), BigInteger.valueOf(cumulative)).sign(CLIENT.key(), 31337, PAYMENTS);
        return channels.accept(new VoucherJson.Envelope(v, VoucherJson.domain(31337, PAYMENTS)));
    }

    @Test
    void a_voucher_is_accepted_unchecked_while_the_chain_does_not_answer() throws Exception {
        open(Duration.ofHours(1));
        chain.freeze();
        assertTimeoutPreemptively(HANG, () -> {
            assertThat(send(100)).isInstanceOf(PaymentChannels.Acceptance.Accepted.class);
            assertThat(send(200)).isInstanceOf(PaymentChannels.Acceptance.Accepted.class);
            // the channel answers with what it last saw instead of waiting
            assertThat(channels.channel(CLIENT.address()).held()).isEqualTo(BigInteger.valueOf(200));
        });
        assertThat(chain.reads.get()).as("the deposit was asked for, in the background").isPositive();
        assertThat(channels.held(CLIENT.address())).isEqualTo(BigInteger.valueOf(200));
    }

    @Test
    void a_request_of_an_unknown_payer_is_admitted_while_the_chain_does_not_answer_and_the_credit_bounds_it() {
        assertTimeoutPreemptively(HANG, () -> {
            open(Duration.ofHours(1));
            chain.freeze();
            PaymentGate gate = new PaymentGate(channels, BigInteger.TEN, Optional.of(BigInteger.valueOf(20)));
            try (PaymentGate.Ticket t = gate.admit(Optional.of(CLIENT.address()))) {
                t.charge(BigInteger.TEN);
            }
            try (PaymentGate.Ticket t = gate.admit(Optional.of(CLIENT.address()))) {
                t.charge(BigInteger.TEN);
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> gate.admit(Optional.of(CLIENT.address())))
                    .isInstanceOf(PaymentGate.Refused.class);
        });
    }

    @Test
    void a_stale_read_that_covers_the_voucher_admits_it_at_once_and_is_refreshed_in_the_background() throws Exception {
        open(Duration.ofMillis(1)); // every cached read is stale at once
        assertThat(send(100)).isInstanceOf(PaymentChannels.Acceptance.Accepted.class); // reads and caches the deposit
        int before = chain.reads.get();
        chain.freeze();
        assertTimeoutPreemptively(HANG, () -> assertThat(send(200)).isInstanceOf(PaymentChannels.Acceptance.Accepted.class));
        await().atMost(Duration.ofSeconds(10)).until(() -> chain.reads.get() > before); // the refresh was started
        // once the chain answers, the refreshed read is used: a deposit that no longer covers refuses
        chain.deposit.set(BigInteger.valueOf(250));
        chain.thaw();
        await().atMost(Duration.ofSeconds(10)).until(() -> channels.cachedDeposit(CLIENT.address())
                .equals(Optional.of(BigInteger.valueOf(250))));
        assertThat(send(1000)).isInstanceOfSatisfying(PaymentChannels.Acceptance.Underfunded.class,
                u -> assertThat(u.deposit()).isEqualTo(BigInteger.valueOf(250)));
    }
}
