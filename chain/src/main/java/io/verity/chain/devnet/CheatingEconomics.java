package io.verity.chain.devnet;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.Objects;

/**
 * What lying costs a node under {@code sample:q} audits and committee disputes (docs/gateway.md, "Committee
 * disputes"). A node that lies on every request is caught at the first audit: the audit re-runs the request, a
 * referee sides with the re-run, the gateway disputes the receipt and the committee slashes {@code slashBps} of the
 * stake. Until then it gains at most the price P of each request it answered unaudited (the audited answer is not
 * paid), so over the geometric wait of mean 1/q requests it expects to gain (1 − q)/q · P and to lose f·S:
 * loss over gain = q·f·S / ((1 − q)·P). Audits cost q of the traffic (one re-run per audited request; the referee
 * runs only on a mismatch).
 *
 * @param stake    the node's stake S (wei)
 * @param slashBps f in basis points: CommitteeParams.slashBps
 */
public record CheatingEconomics(BigInteger stake, int slashBps) {
    private static final MathContext MC = MathContext.DECIMAL64;

    public CheatingEconomics {
        Objects.requireNonNull(stake, "stake");
        if (stake.signum() <= 0) throw new IllegalArgumentException("stake must be > 0 wei, got " + stake);
        if (slashBps < 1 || slashBps > 10_000) throw new IllegalArgumentException("slashBps must be in 1..10000, got " + slashBps);
    }

    /** The defaults: the minimum stake of {@link DeployParams#defaults()}, the slash of {@link CommitteeParams#defaults()}. */
    public static CheatingEconomics defaults() {
        return new CheatingEconomics(DeployParams.defaults().minStake(), CommitteeParams.defaults().slashBps());
    }

    /** f·S: what the node loses when convicted (wei). */
    public BigInteger slashed() {
        return stake.multiply(BigInteger.valueOf(slashBps)).divide(BigInteger.valueOf(10_000));
    }

    /** Expected loss over expected gain of lying on every request priced {@code price} wei under audit rate {@code q}. */
    public double lossOverGain(double q, BigInteger price) {
        checkRate(q);
        if (price.signum() <= 0) throw new IllegalArgumentException("price must be > 0 wei, got " + price);
        return new BigDecimal(slashed()).multiply(BigDecimal.valueOf(q))
                .divide(new BigDecimal(price).multiply(BigDecimal.valueOf(1 - q)), MC).doubleValue();
    }

    /** The highest price (wei) per request at which lying loses at least {@code ratio} times what it gains at rate q. */
    public BigInteger maxPrice(double q, double ratio) {
        checkRate(q);
        if (!(ratio > 0)) throw new IllegalArgumentException("ratio must be > 0, got " + ratio);
        return new BigDecimal(slashed()).multiply(BigDecimal.valueOf(q))
                .divide(BigDecimal.valueOf(ratio * (1 - q)), MC).toBigInteger();
    }

    private static void checkRate(double q) {
        if (!(q > 0 && q < 1)) throw new IllegalArgumentException("audit rate must be in (0, 1), got " + q);
    }
}
