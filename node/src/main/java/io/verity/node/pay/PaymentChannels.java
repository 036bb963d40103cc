package io.verity.node.pay;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainReads;
import io.verity.chain.Deployment;
import io.verity.chain.TxOutcome;
import io.verity.node.settle.BatchFiles;
import io.verity.node.settle.ChainSettings;
import io.verity.node.settle.Loop;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Voucher;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's end of its payment channels (docs/protocol.md "Vouchers", docs/gateway.md "Payments"): it
 * checks each voucher a client sends, keeps the highest one per client durably in
 * {@code home/vouchers/<client>.json} (temp file, fsync, atomic rename, so it survives kill -9), and redeems
 * it on chain in the background every {@link ChainSettings#redeemInterval()} when it exceeds what the
 * channel has redeemed. A chain outage only delays redemption: the redeemer retries with exponential backoff
 * (100 ms up to {@link ChainSettings#maxBackoff()}) and never drops a voucher it accepted. Closing stops the
 * redeemer; it is idempotent.
 *
 * <p>Nothing on the request or voucher path waits for the chain longer than {@link #CHAIN_WAIT}: the deposit
 * reads run on one background thread, a stale cached read that admits is used while a fresh one is fetched, and
 * a read that does not come back in time counts as "the chain cannot be read" (accept unchecked, the credit
 * bounds the loss). Without this a frozen chain held every voucher POST for as long as the RPC call hung, the
 * gateway's vouchers stopped arriving, and paying clients ran into the credit (402) while the chain was paused.
 */
public final class PaymentChannels implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PaymentChannels.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    /** Longest a voucher or a request waits for a chain read before going on without it. */
    static final Duration CHAIN_WAIT = Duration.ofMillis(500);
    /** Reads waiting for the read thread beyond this are not queued: they count as the chain not answering. */
    private static final int MAX_QUEUED_READS = 1024;

    /**
     * One channel as the node sees it.
     *
     * @param held the highest cumulative amount the node holds a voucher for (or has seen redeemed), 0 if none
     * @param redeemed what the channel has redeemed on chain, as last read
     */
    public record Channel(EvmAddress client, EvmAddress node, BigInteger held, BigInteger redeemed) {}

    /** What became of a voucher a client sent. */
    public sealed interface Acceptance {
        /** Stored durably; the redeemer will cash it. */
        record Accepted(Channel channel) implements Acceptance {}

        /** Not for this node or chain, or not signed by its client; each error names the field. */
        record Invalid(List<FieldError> errors) implements Acceptance {
            public Invalid {
                errors = List.copyOf(errors);
            }
        }

        /** A replay or an older voucher: it does not exceed {@code held}. */
        record NotIncreasing(BigInteger held) implements Acceptance {}

        /** The client's escrow cannot pay {@code cumulative - redeemed}. */
        record Underfunded(BigInteger deposit, BigInteger redeemed, BigInteger cumulative) implements Acceptance {}

        /** The sender built on a channel total that is no longer the one held (another sender moved it). */
        record StaleBase(BigInteger expected, BigInteger held) implements Acceptance {}
    }

    private record Funds(BigInteger deposit, BigInteger redeemed, long readAt) {}

    private final Path dir;
    private final PaymentsPort redeemPort; // redeemer thread only
    private final PaymentsPort readPort; // request threads
    private final EvmAddress self;
    private final Eip712Domain domain;
    private final Duration interval;
    private final Duration maxBackoff;
    private final InstantSource clock;
    private final Map<EvmAddress, VoucherJson.Envelope> held = new ConcurrentHashMap<>();
    private final Map<EvmAddress, BigInteger> redeemed = new ConcurrentHashMap<>(); // only grows, as on chain
    private final Map<EvmAddress, Funds> funds = new ConcurrentHashMap<>();
    private final Map<EvmAddress, BigInteger> warnedUnderfunded = new ConcurrentHashMap<>();
    private final ChainReads<EvmAddress, Funds> reads;
    private final Duration chainWait;
    private final Object storeLock = new Object();
    private final Loop loop;

    PaymentChannels(Path home, PaymentsPort redeemPort, PaymentsPort readPort, EvmAddress self, Eip712Domain domain,
            Duration interval, Duration maxBackoff, InstantSource clock, Duration chainWait) throws IOException {
        this.chainWait = chainWait;
        this.dir = home.resolve("vouchers");
        this.redeemPort = redeemPort;
        this.readPort = readPort;
        this.self = self;
        this.domain = domain;
        this.interval = interval;
        this.maxBackoff = maxBackoff;
        this.clock = clock;
        Files.createDirectories(dir);
        load();
        this.reads = new ChainReads<>("payments-reads", MAX_QUEUED_READS);
        this.loop = new Loop("redeemer", this::run);
    }

    /**
     * Starts the channels of the node with chain account {@code account} on the chain of {@code deployment}.
     *
     * @throws IOException when the stored vouchers under {@code home/vouchers} cannot be read
     */
    public static PaymentChannels start(Path home, ChainSettings settings, Deployment deployment, ChainAccount account,
            InstantSource clock) throws IOException {
        return start(home, new RpcPaymentsPort(deployment, account, settings.tx()), new RpcPaymentsPort(deployment, account, settings.tx()),
                account.address(), VoucherJson.domain(deployment.chainId(), deployment.payments()),
                settings.redeemInterval(), settings.maxBackoff(), clock, CHAIN_WAIT);
    }

    static PaymentChannels start(Path home, PaymentsPort redeemPort, PaymentsPort readPort, EvmAddress self,
            Eip712Domain domain, Duration interval, Duration maxBackoff, InstantSource clock) throws IOException {
        return start(home, redeemPort, readPort, self, domain, interval, maxBackoff, clock, CHAIN_WAIT);
    }

    static PaymentChannels start(Path home, PaymentsPort redeemPort, PaymentsPort readPort, EvmAddress self,
            Eip712Domain domain, Duration interval, Duration maxBackoff, InstantSource clock, Duration chainWait)
            throws IOException {
        PaymentChannels c = new PaymentChannels(home, redeemPort, readPort, self, domain, interval, maxBackoff, clock,
                chainWait);
        c.loop.start();
        return c;
    }

    /** The domain vouchers must be signed under: "Verity", "1", the chain id, the Payments contract. */
    public Eip712Domain domain() {
        return domain;
    }

    /** This node, the payee of every voucher it accepts. */
    public EvmAddress node() {
        return self;
    }

    /**
     * Checks {@code v} and, when it exceeds what the node holds for its client, stores it durably before
     * returning {@link Acceptance.Accepted}. The deposit check ({@link Acceptance.Underfunded}) uses a cached
     * read, refreshed before refusing; when the chain cannot be read within {@link #CHAIN_WAIT} the voucher is accepted and the redeemer
     * finds out.
     *
     * @throws IOException when the voucher could not be made durable (nothing was accepted)
     */
    public Acceptance accept(VoucherJson.Envelope v) throws IOException {
        return accept(v, Optional.empty());
    }

    /**
     * As {@link #accept(VoucherJson.Envelope)}, but only when the node holds exactly {@code base} for the client
     * (compare-and-set): two senders paying from one client account, such as two gateways, each build their
     * next voucher on the total they saw, and without this the higher voucher would silently swallow the other's
     * increment.
     */
    public Acceptance accept(VoucherJson.Envelope v, Optional<BigInteger> base) throws IOException {
        Objects.requireNonNull(v, "v");
        List<FieldError> errors = check(v);
        if (!errors.isEmpty()) return new Acceptance.Invalid(errors);
        Voucher voucher = v.voucher();
        EvmAddress client = voucher.client();
        BigInteger amount = voucher.cumulativeAmount();
        BigInteger before = heldAmount(client);
        if (amount.compareTo(before) <= 0) return new Acceptance.NotIncreasing(before);
        Optional<Acceptance.Underfunded> short_ = underfunded(client, amount);
        if (short_.isPresent()) return short_.get();
        synchronized (storeLock) { // check and store as one step, so two racing vouchers keep the higher
            BigInteger now = heldAmount(client);
            if (base.isPresent() && !base.get().equals(now)) return new Acceptance.StaleBase(base.get(), now);
            if (amount.compareTo(now) <= 0) return new Acceptance.NotIncreasing(now);
            BatchFiles.atomicWrite(file(client), BatchFiles.JSON.writeValueAsBytes(VoucherJson.write(v)));
            held.put(client, v);
        }
        LOG.debug("accepted voucher of {} for {} wei", client, amount);
        return new Acceptance.Accepted(new Channel(client, self, amount, redeemed.getOrDefault(client, BigInteger.ZERO)));
    }

    /**
     * The channel with {@code client}, reading its redeemed amount from the chain; when the chain cannot be
     * read (within {@link #CHAIN_WAIT}), the last amount seen.
     */
    public Channel channel(EvmAddress client) {
        try {
            fresh(client);
        } catch (RuntimeException e) {
            LOG.debug("cannot read redeemed({}) from the chain, answering the last value seen: {}", client, e.toString());
        }
        return new Channel(client, self, heldAmount(client), redeemed.getOrDefault(client, BigInteger.ZERO));
    }

    /**
     * Vouchers held but not yet redeemed on chain, in wei, summed over clients (as last read; no chain read): earned,
     * not yet paid out. It grows when redemption stalls (the node key out of gas, the chain unreachable).
     */
    public BigInteger unredeemed() {
        BigInteger sum = BigInteger.ZERO;
        for (EvmAddress client : held.keySet()) {
            sum = sum.add(heldAmount(client).subtract(redeemed.getOrDefault(client, BigInteger.ZERO)).max(BigInteger.ZERO));
        }
        return sum;
    }

    /** The highest cumulative amount the node holds a voucher for (or saw redeemed) from {@code client}; no chain read. */
    public BigInteger held(EvmAddress client) {
        return heldAmount(client);
    }

    /**
     * Whether {@code client} has money in Payments or has paid this node before: the node extends credit only to
     * such payers, so made-up payer addresses get none. Reads are cached for {@link ChainSettings#redeemInterval()}
     * and refreshed before answering no; when the chain cannot be read the answer is yes (the credit still bounds
     * what is served), so a chain outage does not stop paying clients.
     */
    public boolean funded(EvmAddress client) {
        if (heldAmount(client).signum() > 0) return true;
        try {
            Funds f = funds.get(client);
            if (f != null && f.deposit().signum() > 0) return true;
            f = fresh(client);
            return f.deposit().signum() > 0 || f.redeemed().signum() > 0;
        } catch (RuntimeException e) {
            LOG.debug("cannot read the deposit of {}, treating it as funded: {}", client, e.toString());
            return true;
        }
    }

    /** The client's deposit as last read, for tests. */
    Optional<BigInteger> cachedDeposit(EvmAddress client) {
        return Optional.ofNullable(funds.get(client)).map(Funds::deposit);
    }

    private List<FieldError> check(VoucherJson.Envelope v) {
        List<FieldError> errors = new ArrayList<>();
        Voucher voucher = v.voucher();
        if (!voucher.node().equals(self)) {
            errors.add(new FieldError("/node", "must be this node's address " + self + ", got " + voucher.node()));
        }
        Eip712Domain d = v.domain();
        String which = " (the Payments domain of chain " + domain.chainId() + ")";
        if (!d.name().equals(domain.name())) {
            errors.add(new FieldError("/domain/name", "must be '" + domain.name() + "'" + which + ", got '" + d.name() + "'"));
        }
        if (!d.version().equals(domain.version())) {
            errors.add(new FieldError("/domain/version", "must be '" + domain.version() + "'" + which + ", got '"
                    + d.version() + "'"));
        }
        if (d.chainId() != domain.chainId()) {
            errors.add(new FieldError("/domain/chainId", "must be " + domain.chainId() + which + ", got " + d.chainId()));
        }
        if (!d.verifyingContract().equals(domain.verifyingContract())) {
            errors.add(new FieldError("/domain/verifyingContract", "must be the Payments contract "
                    + domain.verifyingContract() + which + ", got " + d.verifyingContract()));
        }
        // The signature covers node and domain: judging it is only meaningful once both are ours.
        if (errors.isEmpty()) {
            try {
                EvmAddress signer = v.signed().signer(domain.chainId(), domain.verifyingContract());
                if (!signer.equals(voucher.client())) {
                    errors.add(new FieldError("/signature", "recovers to " + signer + ", not the voucher's client "
                            + voucher.client()));
                }
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("/signature", "is not a usable signature: " + e.getMessage()));
            }
        }
        return errors;
    }

    private BigInteger heldAmount(EvmAddress client) {
        VoucherJson.Envelope v = held.get(client);
        BigInteger stored = v == null ? BigInteger.ZERO : v.voucher().cumulativeAmount();
        // A channel redeemed beyond what this node stores (its files were restored from a backup, say) holds
        // at least that much: a voucher below it could never be redeemed.
        return stored.max(redeemed.getOrDefault(client, BigInteger.ZERO));
    }

    private Optional<Acceptance.Underfunded> underfunded(EvmAddress client, BigInteger amount) {
        try {
            Funds f = funds.get(client);
            if (f == null) {
                f = fresh(client);
            } else if (covers(f, amount)) {
                // admits: answer now, and refresh a stale read in the background for the next voucher
                if (clock.millis() - f.readAt() > interval.toMillis()) reads.start(client, this::readFunds);
                return Optional.empty();
            } else {
                f = fresh(client); // the client may have just topped up: never refuse on a stale read
            }
            if (covers(f, amount)) return Optional.empty();
            return Optional.of(new Acceptance.Underfunded(f.deposit(), f.redeemed(), amount));
        } catch (RuntimeException e) {
            LOG.debug("cannot read the deposit of {}, accepting the voucher unchecked: {}", client, e.toString());
            return Optional.empty();
        }
    }

    private static boolean covers(Funds f, BigInteger amount) {
        return f.deposit().compareTo(amount.subtract(f.redeemed())) >= 0;
    }

    /**
     * A read of the client's funds started now (or joined, when one is already under way), waited for at most
     * {@link #chainWait}; it completes in the background either way and updates the cache.
     *
     * @throws RuntimeException when the chain fails or does not answer in time
     */
    private Funds fresh(EvmAddress client) {
        // A read already older than the wait is one the chain is not answering: the caller before waited for it
        // in vain, so this one does not wait at all (each voucher waiting in turn would throttle them all).
        return reads.start(client, this::readFunds).awaitWithin(chainWait);
    }

    private Funds readFunds(EvmAddress client) {
        BigInteger r = readPort.redeemed(client);
        Funds f = new Funds(readPort.deposit(client), r, clock.millis());
        noteRedeemed(client, r);
        funds.put(client, f);
        return f;
    }

    private void noteRedeemed(EvmAddress client, BigInteger amount) {
        redeemed.merge(client, amount, BigInteger::max);
    }

    private Path file(EvmAddress client) {
        return dir.resolve(client.toString().toLowerCase(Locale.ROOT) + ".json");
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "0x*.json")) {
            for (Path f : files) {
                VoucherJson.Envelope v;
                try {
                    v = VoucherJson.read(BatchFiles.JSON.readTree(f.toFile()), "");
                } catch (InvalidFieldException | IOException e) {
                    throw new IOException(f + " is not a stored voucher: " + e.getMessage(), e);
                }
                if (!v.voucher().node().equals(self) || !v.domain().equals(domain)) {
                    // Kept on disk: it is still money, just not on this chain or for this key.
                    LOG.warn("{} is a voucher for node {} in {}, not this node {} in {}; not redeeming it here", f,
                            v.voucher().node(), v.domain(), self, domain);
                    continue;
                }
                held.put(v.voucher().client(), v);
            }
        }
        if (!held.isEmpty()) LOG.info("holding {} voucher(s) from an earlier run", held.size());
    }

    private void run() {
        long backoff = MIN_BACKOFF.toMillis();
        long wait = interval.toMillis(); // a full interval first: a restarted node lets the chain settle too
        while (!loop.closed()) {
            loop.sleep(wait);
            if (loop.closed()) break;
            try {
                redeemDue();
                backoff = MIN_BACKOFF.toMillis();
                wait = interval.toMillis();
            } catch (RuntimeException e) {
                if (loop.closed()) break;
                LOG.warn("redeeming vouchers failed, retrying in {} ms: {}", backoff, e.toString());
                wait = backoff;
                backoff = Math.min(backoff * 2, maxBackoff.toMillis());
            }
        }
        redeemPort.close();
    }

    /** Redeems every held voucher that exceeds what its channel redeemed; throws on a chain failure. */
    private void redeemDue() {
        for (VoucherJson.Envelope v : List.copyOf(held.values())) {
            if (loop.closed()) return;
            EvmAddress client = v.voucher().client();
            BigInteger amount = v.voucher().cumulativeAmount();
            BigInteger known = redeemed.get(client);
            if (known != null && amount.compareTo(known) <= 0) continue; // redeemed only grows: nothing to read
            BigInteger onChain = redeemPort.redeemed(client);
            noteRedeemed(client, onChain);
            if (amount.compareTo(onChain) <= 0) continue;
            TxOutcome outcome = redeemPort.redeem(v.signed());
            switch (outcome) {
                case TxOutcome.Confirmed c -> {
                    noteRedeemed(client, amount);
                    // The redeem paid amount - onChain out of the deposit: known without a read, so the next
                    // voucher's check needs no chain (the read's age stays, so a stale one is still refreshed).
                    funds.computeIfPresent(client, (k, f) -> new Funds(f.deposit().subtract(amount.subtract(onChain))
                            .max(BigInteger.ZERO), amount, f.readAt()));
                    warnedUnderfunded.remove(client);
                    LOG.info("redeemed voucher of {} for {} wei (paid {} wei) in tx {}", client, amount,
                            amount.subtract(onChain), c.txHash());
                }
                case TxOutcome.Reverted r when r.errorName().equals("InsufficientDeposit") -> {
                    if (!amount.equals(warnedUnderfunded.put(client, amount))) {
                        LOG.warn("client {} cannot cover its voucher for {} wei ({}); holding it and retrying", client,
                                amount, r.args());
                    }
                }
                // VoucherNotIncreasing: an earlier, pending redeem of ours landed; the next round reads it.
                case TxOutcome.Reverted r when r.errorName().equals("VoucherNotIncreasing") ->
                        LOG.info("voucher of {} for {} wei was already redeemed", client, amount);
                case TxOutcome.Reverted r -> LOG.error("Payments refused the voucher of {} for {} wei: {}{}; holding it",
                        client, amount, r.errorName(), r.args());
                case TxOutcome.Pending p -> LOG.info("redeem tx {} for {} is not mined yet; checking again next round",
                        p.txHash(), client);
            }
        }
    }

    @Override
    public void close() {
        loop.stop(Duration.ofSeconds(40)); // a redeem in flight may wait for its receipt
        reads.close();
        readPort.close();
    }
}
