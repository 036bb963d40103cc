package io.verity.node.pay;

import io.verity.node.settle.ChainSettings;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Payment enforced on a node that charges and settles on a chain (docs/security.md, "Payment and settlement"):
 * a payer, named by the {@value #HEADER} header (a gateway sends its client account, the one its vouchers are
 * signed by) and proven by a {@link io.verity.protocol.receipt.PayerAuth} signature ({@link PayerProofs}), is served while what it owes beyond the vouchers the node holds, plus one answer's price for each
 * of its requests in flight, stays below the credit. Past it the node refuses with {@link Refused} (402) before
 * running anything. Owed is counted from the receipts the node signed for the payer since it started; a payer
 * first seen (or seen again after a restart) starts at what its vouchers cover, so a restart forgives at most one
 * credit per payer. Credit goes only to payers with money in Payments or vouchers here ({@link
 * PaymentChannels#funded}), so made-up addresses are served nothing.
 */
public final class PaymentGate {
    /** The request header naming the payer: an 0x address, the {@code client} of the payer's vouchers. */
    public static final String HEADER = io.verity.protocol.json.VoucherJson.PAYER_HEADER;
    /**
     * The default credit, in answers ({@link ChainSettings#paymentCredit()}): this many at the node's price, or
     * as dear as the dearest answer it signed so far, whichever is more (a language model's answer is priced per
     * token, so its size is known only once it is signed).
     */
    public static final int DEFAULT_CREDIT_ANSWERS = 100;

    /**
     * The node will not serve this payer now.
     *
     * @param payer empty when the request named none
     * @param owed wei of answers signed for the payer beyond {@code held}
     * @param held what the vouchers the node holds from the payer cover, cumulative
     * @param credit the node's credit per payer
     */
    public static final class Refused extends RuntimeException {
        private final Optional<EvmAddress> payer;
        private final BigInteger owed;
        private final BigInteger held;
        private final BigInteger credit;

        Refused(Optional<EvmAddress> payer, BigInteger owed, BigInteger held, BigInteger credit, String detail) {
            super(detail, null, false, false);
            this.payer = payer;
            this.owed = owed;
            this.held = held;
            this.credit = credit;
        }

        /** The request named a payer without proving it comes from it ({@link PayerProofs}). */
        static Refused unproven(EvmAddress payer, String detail) {
            return new Refused(Optional.of(payer), BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, detail);
        }

        public Optional<EvmAddress> payer() {
            return payer;
        }

        public BigInteger owed() {
            return owed;
        }

        public BigInteger held() {
            return held;
        }

        public BigInteger credit() {
            return credit;
        }
    }

    private static final class Account {
        BigInteger charged;
        BigInteger reserved = BigInteger.ZERO;

        Account(BigInteger charged) {
            this.charged = charged;
        }
    }

    /** One admitted request: {@link #charge} what its receipt says once signed, {@link #close} in any case. */
    public final class Ticket implements AutoCloseable {
        private final EvmAddress payer;
        private final Account account;
        private boolean open = true;

        private Ticket(EvmAddress payer, Account account) {
            this.payer = payer;
            this.account = account;
        }

        public EvmAddress payer() {
            return payer;
        }

        /** Books a signed receipt's price against the payer and releases the reservation. */
        public void charge(BigInteger price) {
            dearest.accumulateAndGet(price, BigInteger::max);
            synchronized (account) {
                account.charged = account.charged.add(price);
                release();
            }
        }

        /** Releases the reservation of a request that signed nothing; idempotent. */
        @Override
        public void close() {
            synchronized (account) {
                release();
            }
        }

        private void release() {
            if (open) account.reserved = account.reserved.subtract(unit);
            open = false;
        }
    }

    private final PaymentChannels channels;
    private final BigInteger unit;
    private final Optional<BigInteger> fixedCredit;
    private final java.util.concurrent.atomic.AtomicReference<BigInteger> dearest;
    private final Map<EvmAddress, Account> accounts = new ConcurrentHashMap<>();

    /**
     * @param unit the smallest price of an answer (the node's price, or per-token price), reserved per request in
     *     flight; must be positive: a free node has no gate
     * @param credit a fixed credit in wei; empty for {@value #DEFAULT_CREDIT_ANSWERS} answers
     */
    public PaymentGate(PaymentChannels channels, BigInteger unit, Optional<BigInteger> credit) {
        if (unit.signum() <= 0) throw new IllegalArgumentException("unit must be > 0 wei, got " + unit);
        this.channels = channels;
        this.unit = unit;
        this.fixedCredit = credit;
        this.dearest = new java.util.concurrent.atomic.AtomicReference<>(unit);
    }

    /**
     * What payers owe for answers served on credit, beyond the vouchers this node holds, in wei (summed over
     * payers): the node's exposure if every payer walked away now. The unpaid-credit alert reads it.
     */
    public BigInteger unpaid() {
        BigInteger sum = BigInteger.ZERO;
        for (Map.Entry<EvmAddress, Account> e : accounts.entrySet()) {
            BigInteger held = channels.held(e.getKey());
            synchronized (e.getValue()) {
                sum = sum.add(e.getValue().charged.subtract(held).max(BigInteger.ZERO));
            }
        }
        return sum;
    }

    /** The credit per payer now, in wei. */
    public BigInteger credit() {
        return fixedCredit.orElseGet(() -> dearest.get().multiply(BigInteger.valueOf(DEFAULT_CREDIT_ANSWERS)));
    }

    /**
     * Admits a request of {@code payer} or refuses it.
     *
     * @param payer the {@value #HEADER} header's address; empty when the request named none
     * @throws Refused when the request named no payer, the payer has no funds, or owes the credit
     */
    public Ticket admit(Optional<EvmAddress> payer) {
        BigInteger credit = credit();
        if (payer.isEmpty()) {
            throw new Refused(payer, BigInteger.ZERO, BigInteger.ZERO, credit, "this node charges " + unit
                    + " wei per answer and is paid in vouchers: name the paying account in the " + HEADER
                    + " header and send its vouchers to POST /v1/vouchers, or ask through a gateway");
        }
        EvmAddress p = payer.get();
        Account a = accounts.computeIfAbsent(p, x -> new Account(channels.held(x)));
        BigInteger held = channels.held(p);
        synchronized (a) {
            BigInteger owed = a.charged.subtract(held).max(BigInteger.ZERO);
            if (owed.add(a.reserved).compareTo(credit) >= 0) {
                throw new Refused(payer, owed, held, credit, "payer " + p + " owes " + owed + " wei beyond the " + held
                        + " wei its vouchers cover, and this node's credit is " + credit + " wei; send a voucher for at"
                        + " least " + a.charged + " wei (cumulative) to POST /v1/vouchers");
            }
            a.reserved = a.reserved.add(unit);
        }
        if (held.signum() == 0 && !channels.funded(p)) {
            new Ticket(p, a).close();
            throw new Refused(payer, BigInteger.ZERO, held, credit, "payer " + p + " has no deposit in Payments and no"
                    + " voucher here: deposit first, then pay for answers with vouchers");
        }
        return new Ticket(p, a);
    }
}
