package io.verity.gateway.routing;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What this gateway knows about one node: its registry entry (refreshed by discovery), its health, and the
 * statistics routing runs on. Statistics are exponentially weighted so a node that recovers (or degrades)
 * shows it within tens of requests; they live only in this gateway (a second gateway learns its own).
 */
public final class NodeState {
    /** Weight of the newest sample in the moving averages. */
    private static final double ALPHA = 0.2;
    /**
     * A latency not re-measured for this long counts as unknown again, so routing tries the node once more:
     * without it one slow answer (a cold start, a hiccup) would keep a node from ever being chosen again.
     */
    static final long STALE_NANOS = java.time.Duration.ofSeconds(30).toNanos();

    /** One model the node serves, as its {@code /v1/models} lists it. */
    public record ServedModel(String name, String version, Keccak256 digest) {}

    public final EvmAddress address;
    private volatile URI url;
    private volatile BigInteger price = BigInteger.ZERO;
    private volatile BigInteger stake = BigInteger.ZERO;
    private volatile List<Keccak256> registeredModels = List.of();
    private volatile List<ServedModel> served = List.of();
    private volatile boolean registered;
    private volatile boolean healthy;
    private volatile String healthDetail = "not checked yet";
    private volatile Instant quarantinedUntil = Instant.EPOCH;

    private double latencyMs = Double.NaN;
    private long measuredAt;
    private double errorRate;
    private double reputation = 1.0;
    public final AtomicInteger inflight = new AtomicInteger();
    public final AtomicLong answers = new AtomicLong();
    public final AtomicLong failures = new AtomicLong();
    public final AtomicLong dissents = new AtomicLong();
    /** Sampled audits of this node's answers that ran (another node answered the same request), caught or not. */
    public final AtomicLong audits = new AtomicLong();

    NodeState(EvmAddress address, URI url) {
        this.address = address;
        this.url = url;
    }

    public URI url() {
        return url;
    }

    public BigInteger price() {
        return price;
    }

    public BigInteger stake() {
        return stake;
    }

    public List<ServedModel> served() {
        return served;
    }

    public boolean registered() {
        return registered;
    }

    public boolean healthy() {
        return healthy;
    }

    public String healthDetail() {
        return healthDetail;
    }

    public Instant quarantinedUntil() {
        return quarantinedUntil;
    }

    public boolean quarantined(Instant now) {
        return now.isBefore(quarantinedUntil);
    }

    /** Routable for {@code model}: on chain, healthy, serving it, not quarantined. */
    public boolean canServe(Keccak256 model, Instant now) {
        if (!registered || !healthy || quarantined(now)) return false;
        for (ServedModel m : served) if (m.digest().equals(model)) return true;
        return false;
    }

    void updateRegistration(URI url, BigInteger price, BigInteger stake, List<Keccak256> models) {
        this.url = url;
        this.price = price;
        this.stake = stake;
        this.registeredModels = List.copyOf(models);
        this.registered = true;
    }

    public void deregister() {
        this.registered = false;
    }

    void updateHealth(boolean healthy, String detail, Optional<List<ServedModel>> models) {
        this.healthy = healthy;
        this.healthDetail = detail;
        // Serve only what the node both lists and registered on chain: a node cannot attract traffic for a model
        // it never staked its registration on.
        models.ifPresent(ms -> served = ms.stream().filter(m -> registeredModels.isEmpty()
                || registeredModels.contains(m.digest())).toList());
    }

    /**
     * The node said its engine for {@code model} is down (a 503 of source engine): stop routing that model to it
     * until the next health check lists the model as up again.
     */
    public void engineDown(Keccak256 model) {
        served = served.stream().filter(m -> !m.digest().equals(model)).toList();
    }

    public synchronized void recordSuccess(double ms) {
        latencyMs = Double.isNaN(latencyMs) ? ms : latencyMs + ALPHA * (ms - latencyMs);
        measuredAt = System.nanoTime();
        errorRate = errorRate * (1 - ALPHA);
        reputation = Math.min(1.0, reputation + 0.02);
        answers.incrementAndGet();
    }

    public synchronized void recordFailure(double ms) {
        // A timeout also says something about latency; a refused connection does not.
        if (ms > 0 && !Double.isNaN(latencyMs)) latencyMs = Math.max(latencyMs, latencyMs + ALPHA * (ms - latencyMs));
        errorRate = errorRate + ALPHA * (1 - errorRate);
        reputation = Math.max(0, reputation - 0.05);
        failures.incrementAndGet();
    }

    /** Caught giving an answer the majority (or an audit) did not: routing stops until the quarantine ends. */
    public synchronized void recordDissent(Instant until) {
        reputation = Math.max(0, reputation - 0.5);
        dissents.incrementAndGet();
        if (until.isAfter(quarantinedUntil)) quarantinedUntil = until;
    }

    public synchronized double latencyMs() {
        return latencyMs;
    }

    /** The latency routing should assume: unknown (NaN) when never measured or not measured for a while. */
    synchronized double routingLatencyMs(long nowNanos) {
        return nowNanos - measuredAt > STALE_NANOS ? Double.NaN : latencyMs;
    }

    public synchronized double errorRate() {
        return errorRate;
    }

    public synchronized double reputation() {
        return reputation;
    }
}
