package io.verity.node.pay;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.PayerAuth;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks the {@link PayerAuth} proof a request carries for the payer it names: signed by that payer, for this
 * node, issued within {@link #WINDOW} of the node's clock, and not used before. Used proofs are remembered until
 * they could no longer pass the window, at most {@link #MAX_REMEMBERED}; when that many are live, further proofs
 * are refused until some expire (a payer then waits, nobody is served twice on one proof).
 */
public final class PayerProofs {
    /** How far a proof's time may lie from the node's: clock skew plus the request's time on the wire. */
    public static final Duration WINDOW = Duration.ofMinutes(2);
    /** Proofs remembered at once: 2 minutes at over 1,600 paid requests a second, about 20 MB. */
    public static final int MAX_REMEMBERED = 200_000;

    private final EvmAddress node;
    private final long windowMillis;
    private final int capacity;
    private final Map<Keccak256, Long> used = new ConcurrentHashMap<>(); // proof -> when it leaves the window
    private final AtomicLong nextSweep = new AtomicLong();

    public PayerProofs(EvmAddress node) {
        this(node, WINDOW, MAX_REMEMBERED);
    }

    PayerProofs(EvmAddress node, Duration window, int capacity) {
        this.node = node;
        this.windowMillis = window.toMillis();
        this.capacity = capacity;
    }

    /**
     * Takes a proof of {@code payer} for one request at {@code nowMillis}.
     *
     * @param header the {@value PayerAuth#HEADER} header, empty when the request carried none
     * @throws PaymentGate.Refused saying what is missing or wrong
     */
    public void accept(EvmAddress payer, Optional<String> header, long nowMillis) {
        if (header.isEmpty() || header.get().isBlank()) {
            throw refuse(payer, "a request naming payer " + payer + " must prove it comes from that account: send the "
                    + PayerAuth.HEADER + " header (docs/security.md, \"Payment and settlement\"); a gateway does");
        }
        PayerAuth auth;
        try {
            auth = PayerAuth.parse(header.get());
        } catch (IllegalArgumentException e) {
            throw refuse(payer, e.getMessage());
        }
        long skew = auth.issuedAtMillis() - nowMillis;
        if (Math.abs(skew) > windowMillis) {
            throw refuse(payer, PayerAuth.HEADER + " was issued " + Math.abs(skew) + " ms " + (skew < 0 ? "ago" : "ahead of this node's clock")
                    + "; proofs are accepted within " + windowMillis + " ms");
        }
        EvmAddress signer;
        try {
            signer = auth.signer(payer, node);
        } catch (IllegalArgumentException e) {
            throw refuse(payer, PayerAuth.HEADER + ": " + e.getMessage());
        }
        if (!signer.equals(payer)) {
            throw refuse(payer, PayerAuth.HEADER + " is not signed by payer " + payer + " for this node " + node);
        }
        if (used.size() >= capacity) sweep(nowMillis);
        if (used.size() >= capacity) {
            throw refuse(payer, "this node holds " + capacity + " unexpired payer proofs; try again shortly");
        }
        if (used.putIfAbsent(auth.useKey(payer, node), auth.issuedAtMillis() + windowMillis) != null) {
            throw refuse(payer, PayerAuth.HEADER + " was already used; sign a fresh one for each request");
        }
    }

    int remembered() {
        return used.size();
    }

    /** Forgets proofs past the window; at most once a second, so a full table costs one scan, not one per request. */
    private void sweep(long nowMillis) {
        long next = nextSweep.get();
        if (nowMillis < next || !nextSweep.compareAndSet(next, nowMillis + 1000)) return;
        used.values().removeIf(expiry -> expiry < nowMillis);
    }

    private static PaymentGate.Refused refuse(EvmAddress payer, String detail) {
        return PaymentGate.Refused.unproven(payer, detail);
    }
}
