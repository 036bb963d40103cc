package io.verity.gateway.pay;

import io.verity.protocol.wire.Payment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainAccount;
import io.verity.chain.ChainReads;
import io.verity.client.InferenceException;
import io.verity.client.NodeApiClient;
import io.verity.client.UnreachableException;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.gateway.routing.NodeState;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pays nodes for answers the gateway used, on behalf of one client account, through cumulative vouchers
 * (docs/protocol.md, "Vouchers"). A payment is promised synchronously (the response says who gets what) and
 * delivered in the background: only the newest cumulative voucher matters, so under load many promises
 * collapse into one signature and one POST. The channel's total is learnt from the node, never from local
 * state, so a restarted gateway or a second gateway on the same account continues it (docs/gateway.md).
 */
public final class Payer implements Payments, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Payer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RETRY = Duration.ofSeconds(2);
    /**
     * How vouchers are amortised within a node's credit: one to a node waits until {@code batch} answers are
     * unvouchered or {@code spacing} has passed since the last one, so under load one signature, one POST and one
     * node-side ecrecover pay for many answers instead of nearly one each. A quiet channel's voucher goes at once.
     * What stays unvouchered, about {@code batch} answers plus those in flight, must stay inside the nodes' credit
     * (100 answers by default), or they answer 402; {@code batch} 1 sends a voucher after every answer.
     */
    public record Pacing(int batch, Duration spacing) {
        public static final Pacing DEFAULT = new Pacing(8, Duration.ofMillis(50));

        public Pacing {
            if (batch < 1) throw new IllegalArgumentException("--voucher-batch: must be at least 1 answer, got " + batch);
            if (spacing.isNegative()) throw new IllegalArgumentException("--voucher-spacing-ms: must be >= 0, got " + spacing.toMillis());
        }
    }

    /**
     * The client's deposit cannot cover the next answer on top of what it was promised to nodes and they have
     * not redeemed yet: the gateway answers 402 with these numbers instead of asking a node.
     *
     * @param deposit the client's escrow in Payments, as just read
     * @param owed promised to nodes (vouchers, delivered or not) and not yet redeemed, plus answers in flight
     * @param price what the next answer may cost: the dearest candidate's price times the answers the policy uses
     */
    public static final class DepositShort extends RuntimeException {
        public final EvmAddress client;
        public final BigInteger deposit;
        public final BigInteger owed;
        public final BigInteger price;

        public DepositShort(EvmAddress client, BigInteger deposit, BigInteger owed, BigInteger price) {
            super("client " + client + " has " + deposit + " wei in Payments, " + owed + " wei of it is owed to nodes, and"
                    + " the next answer costs up to " + price + " wei: deposit more (Payments.deposit) to be served again",
                    null, false, false);
            this.client = client;
            this.deposit = deposit;
            this.owed = owed;
            this.price = price;
        }
    }

    /** What an answer in flight may cost, held against the deposit until {@link #close()}. */
    final class Hold implements Payments.Hold {
        private final BigInteger amount;
        private boolean open = true;

        private Hold(BigInteger amount) {
            this.amount = amount;
        }

        @Override
        public synchronized void close() {
            if (open) held.getAndUpdate(h -> h.subtract(amount));
            open = false;
        }
    }

    /** A (client, node) channel. {@code acked} is what the node holds; {@code target} what we promised. */
    private final class Channel {
        final NodeState node;
        BigInteger acked;
        BigInteger target;
        /** What the node redeemed on chain, as last read: only the rest of {@code target} is still owed. */
        volatile BigInteger redeemed = BigInteger.ZERO;
        boolean sending;
        /** When the last voucher to this node left ({@link System#nanoTime}); the next waits for the pacing's spacing. */
        long sentAt = System.nanoTime() - pacing.spacing().toNanos();
        /** Answers promised since the last voucher left. */
        int unsent;
        /** A delivery is scheduled after the spacing and has not started; the pacing's batch of answers starts it early. */
        boolean waiting;
        /** Totals whose send ended without an answer: the node may have stored any of them, or none. */
        final java.util.Set<BigInteger> inDoubt = new java.util.HashSet<>();

        Channel(NodeState node) {
            this.node = node;
        }
    }

    private final ChainAccount client;
    private final Pacing pacing;
    private final long chainId;
    private final EvmAddress payments;
    private final HttpClient http;
    /**
     * Deliveries run on their own threads (one at a time per channel), retries wait on the JDK's timer: not on
     * the gateway's scheduler, whose node-directory refresh hangs while the chain is frozen. Sharing it held every
     * voucher for as long as the chain was paused, and nodes served on credit until they answered 402. Platform
     * threads, reused: a voucher is due at once and should not queue for a carrier behind the request load.
     */
    private static final java.util.concurrent.ExecutorService DELIVERIES = java.util.concurrent.Executors.newCachedThreadPool(
            Thread.ofPlatform().name("voucher-delivery-", 0).daemon().factory());
    private final io.verity.protocol.receipt.Eip712Domain domain;
    private final Map<EvmAddress, Channel> channels = new ConcurrentHashMap<>();
    private final Optional<PaymentsClient> chain;
    private final java.util.concurrent.atomic.AtomicReference<BigInteger> held =
            new java.util.concurrent.atomic.AtomicReference<>(BigInteger.ZERO);
    private volatile BigInteger deposit; // as last read, null before the first read
    // Chain reads run here, off the request path; keyed by withRedeemed, so at most two queue.
    private final ChainReads<Boolean, BigInteger> reads = new ChainReads<>("payer-chain-reads", 2);
    private volatile long depositReadAt;

    /** @param chain reads the client's deposit and what nodes redeemed; empty: the deposit is not checked */
    public Payer(ChainAccount client, long chainId, EvmAddress payments, HttpClient http, Optional<PaymentsClient> chain) {
        this(client, chainId, payments, http, chain, Pacing.DEFAULT);
    }

    /** @param pacing how many answers, or how long, a node's next voucher may wait for */
    public Payer(ChainAccount client, long chainId, EvmAddress payments, HttpClient http, Optional<PaymentsClient> chain,
                 Pacing pacing) {
        this.pacing = java.util.Objects.requireNonNull(pacing, "pacing");
        this.chain = chain;
        this.client = client;
        this.chainId = chainId;
        this.payments = payments;
        this.http = http;
        this.domain = VoucherJson.domain(chainId, payments);
    }

    public EvmAddress client() {
        return client.address();
    }

    /**
     * Holds {@code price} against the client's deposit for an answer about to be asked for, or refuses: the
     * deposit must cover every promise nodes have not redeemed yet, the answers in flight, and this one. A cached
     * read admits at once (one older than {@link #DEPOSIT_CACHE} is refreshed in the background); a refusal is
     * always made on fresh reads, so a client that topped up is served at once. When the chain cannot be read
     * within {@link #CHAIN_WAIT} the answer is admitted: the nodes' credit still bounds what is served unpaid, and
     * a frozen chain does not hold up requests.
     *
     * @throws DepositShort when the deposit cannot cover it
     */
    @Override
    public Hold hold(BigInteger price) {
        BigInteger total = held.accumulateAndGet(price, BigInteger::add);
        Hold h = new Hold(price);
        if (chain.isEmpty() || price.signum() == 0) return h;
        try {
            BigInteger dep = deposit;
            if (dep != null && dep.compareTo(promisedUnredeemed().add(total)) >= 0) {
                if (System.nanoTime() - depositReadAt > DEPOSIT_CACHE.toNanos()) reads.start(false, this::readDeposit);
                return h;
            }
            dep = fresh();
            BigInteger owed = promisedUnredeemed().add(total).subtract(price);
            if (dep.compareTo(owed.add(price)) >= 0) return h;
            h.close();
            throw new DepositShort(client.address(), dep, owed, price);
        } catch (RuntimeException e) {
            if (e instanceof DepositShort) throw e;
            LOG.debug("cannot read the deposit of {}, serving unchecked: {}", client.address(), e.toString());
            return h;
        }
    }

    private static final Duration DEPOSIT_CACHE = Duration.ofSeconds(1);
    /** Longest a request waits for the chain before it is served unchecked. */
    static final Duration CHAIN_WAIT = Duration.ofMillis(500);

    /** The deposit and what nodes redeemed, read now (or joined, when such a read is under way), waited for at most {@link #CHAIN_WAIT}. */
    private BigInteger fresh() {
        return reads.start(true, this::readDeposit).await(CHAIN_WAIT);
    }

    /** Reads the deposit, and with {@code withRedeemed} what each node redeemed; updates the cache. */
    private BigInteger readDeposit(boolean withRedeemed) {
        PaymentsClient p = chain.orElseThrow();
        if (withRedeemed) {
            for (Channel ch : channels.values()) ch.redeemed = p.redeemed(client.address(), ch.node.address);
        }
        BigInteger d = p.depositOf(client.address());
        deposit = d;
        depositReadAt = System.nanoTime();
        return d;
    }

    /** What nodes were promised (delivered or not) beyond what they redeemed. */
    private BigInteger promisedUnredeemed() {
        BigInteger sum = BigInteger.ZERO;
        for (Channel ch : channels.values()) {
            BigInteger t;
            synchronized (ch) {
                t = ch.target;
            }
            if (t != null) sum = sum.add(t.subtract(ch.redeemed).max(BigInteger.ZERO));
        }
        return sum;
    }

    /** Promises {@code amount} to the node and schedules the voucher; first use reads the channel from the node. */
    @Override
    public Payment pay(NodeState node, BigInteger amount) {
        Channel ch = channels.computeIfAbsent(node.address, a -> new Channel(node));
        boolean startNow = false;
        long wait = 0;
        BigInteger cumulative;
        synchronized (ch) {
            if (ch.acked == null) {
                BigInteger held = held(node);
                ch.acked = held;
                ch.target = held;
            }
            ch.target = ch.target.add(amount);
            cumulative = ch.target;
            ch.unsent++;
            if (!ch.sending) {
                ch.sending = true;
                wait = spacing(ch);
                startNow = wait <= 0;
            } else if (ch.waiting && ch.unsent >= pacing.batch()) {
                ch.waiting = false;
                startNow = true;
            }
        }
        if (startNow) DELIVERIES.execute(() -> deliver(ch));
        else if (wait > 0) schedule(ch, wait);
        return new Payment(node.address, amount, cumulative);
    }

    /** What the node holds from this client; zero when it cannot say (the node then answers 409 and we re-base). */
    private BigInteger held(NodeState node) {
        try {
            return NodeApiClient.of(node.url(), Duration.ofSeconds(5), http).channel(client.address()).held();
        } catch (InferenceException e) { // refused, unreachable (interrupted: flag kept) or not a channel
            LOG.debug("cannot read the voucher channel at {}: {}", node.url(), e.getMessage());
            return BigInteger.ZERO;
        }
    }

    /** Nanoseconds the channel's next voucher waits: none with a batch of answers unsent; sets {@code waiting}. Holds the lock. */
    private long spacing(Channel ch) {
        long wait = ch.unsent >= pacing.batch() ? 0 : ch.sentAt + pacing.spacing().toNanos() - System.nanoTime();
        ch.waiting = wait > 0;
        return wait;
    }

    /** Delivers after {@code nanos} unless {@link #pay} started the delivery earlier. */
    private void schedule(Channel ch, long nanos) {
        java.util.concurrent.CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, DELIVERIES).execute(() -> {
            synchronized (ch) {
                if (!ch.waiting) return;
                ch.waiting = false;
            }
            deliver(ch);
        });
    }

    private void deliver(Channel ch) {
        BigInteger target, base;
        synchronized (ch) {
            target = ch.target;
            base = ch.acked;
            ch.sentAt = System.nanoTime();
            ch.unsent = 0;
        }
        SignedVoucher v = new Voucher(client.address(), ch.node.address, target).sign(client.key(), chainId, payments);
        int status;
        JsonNode body = null;
        try {
            NodeApiClient.RawAnswer resp = NodeApiClient.of(ch.node.url(), Duration.ofSeconds(10), http).postRaw(
                    "/v1/vouchers?base=" + base, JSON.writeValueAsBytes(VoucherJson.write(new VoucherJson.Envelope(v, domain))), Map.of());
            status = resp.status();
            try {
                body = JSON.readTree(resp.body());
            } catch (IOException notJson) {
                body = null;
            }
        } catch (UnreachableException e) {
            status = e.getCause() instanceof java.net.ConnectException ? -2 : -1;
        } catch (IOException e) { // writing the voucher: Jackson writing a tree does not fail
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        boolean again;
        long wait;
        synchronized (ch) {
            if (status == 200) {
                ch.acked = ch.acked.max(target);
            } else if (status == 409 && body != null && body.hasNonNull("held")
                    && ch.inDoubt.contains(new BigInteger(body.get("held").asText()))) {
                // Our own earlier send of this very voucher landed but its answer was lost (the node died after
                // storing it, or the connection broke): it is acknowledged, not owed again. Only after such a
                // lost answer: otherwise an equal total held is another sender's voucher, and we re-base.
                ch.acked = ch.acked.max(new BigInteger(body.get("held").asText()));
            } else if (status == 409 && body != null && body.hasNonNull("held")) {
                // Someone else (another gateway on this account, or our own earlier life) moved the channel: keep
                // what we still owe on top of what the node holds. The base makes the node refuse a voucher built
                // on a total it no longer holds, so an increment is never swallowed by another sender's voucher.
                BigInteger held = new BigInteger(body.get("held").asText());
                BigInteger owed = ch.target.subtract(ch.acked);
                ch.acked = held;
                ch.target = held.add(owed);
            } else {
                if (status == -1) ch.inDoubt.add(target); // refused connections (-2) delivered nothing
                LOG.warn("voucher for {} wei to node {} not delivered (HTTP {}); retrying in {}", target, ch.node.address,
                        status == -2 ? "unreachable" : status == -1 ? "no answer" : status, RETRY);
                java.util.concurrent.CompletableFuture.delayedExecutor(RETRY.toMillis(), TimeUnit.MILLISECONDS, DELIVERIES)
                        .execute(() -> deliver(ch));
                return;
            }
            ch.inDoubt.clear();
            again = ch.target.compareTo(ch.acked) > 0;
            ch.sending = again;
            wait = again ? spacing(ch) : 0;
        }
        if (again && wait <= 0) DELIVERIES.execute(() -> deliver(ch));
        else if (again) schedule(ch, wait);
    }

    /** What each node holds acknowledged; for tests and {@code /v1/nodes}. */
    public BigInteger acknowledged(EvmAddress node) {
        Channel ch = channels.get(node);
        if (ch == null) return BigInteger.ZERO;
        synchronized (ch) {
            return ch.acked == null ? BigInteger.ZERO : ch.acked;
        }
    }

    /** True when every promise has been acknowledged by its node. */
    public boolean settled() {
        return channels.keySet().stream().allMatch(this::settled);
    }

    /** True when every promise to {@code node} has been acknowledged. */
    public boolean settled(EvmAddress node) {
        Channel ch = channels.get(node);
        if (ch == null) return true;
        synchronized (ch) {
            return !ch.sending && (ch.target == null || ch.target.compareTo(ch.acked) <= 0);
        }
    }

    @Override
    public void close() {
        reads.close();
        // Vouchers still in flight are lost with the process; the node was promised them but they are not
        // signed. Give deliveries a moment to finish.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!settled() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
