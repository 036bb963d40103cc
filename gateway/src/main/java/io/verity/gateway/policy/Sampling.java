package io.verity.gateway.policy;

import io.verity.gateway.routing.NodeState;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * How often {@code sample:p} re-runs a node's answer. A node that skips the work gains at most the price P
 * of a request; caught (probability q per request) it loses the slashed share f of its stake S. Cheating
 * does not pay when the expected loss exceeds the gain, q·f·S ≥ (1 − q)·P, that is
 * {@code q ≥ P / (P + f·S)}. The gateway audits with {@code max(p, m·P / (P + f·S))}, m a safety margin
 * (default 2) for gains beyond the price, such as a stolen model answer's value, so a client's small p
 * never leaves a poorly staked node an incentive to cheat. (PoSP and Atoma's sampling consensus argue the
 * same way; docs/gateway.md has the derivation.)
 *
 * @param slashFraction f, the share of stake lost when caught (Settlement's slashBps / 10 000)
 * @param margin m >= 1
 */
public record Sampling(double slashFraction, double margin) {
    public Sampling {
        if (!(slashFraction > 0 && slashFraction <= 1)) throw new IllegalArgumentException("slashFraction must be in (0, 1], got " + slashFraction);
        if (!(margin >= 1)) throw new IllegalArgumentException("margin must be >= 1, got " + margin);
    }

    /** The minimum audit probability that makes cheating unprofitable for this node. */
    double floor(NodeState node) {
        BigDecimal price = new BigDecimal(node.price());
        BigDecimal stake = new BigDecimal(node.stake());
        BigDecimal denominator = price.add(stake.multiply(BigDecimal.valueOf(slashFraction)));
        if (denominator.signum() == 0) return 1.0; // free and unstaked: nothing deters it but checking everything
        double q = price.divide(denominator, MathContext.DECIMAL64).doubleValue() * margin;
        return Math.min(1.0, q);
    }

    double probability(double requested, NodeState node) {
        return Math.max(requested, floor(node));
    }
}
