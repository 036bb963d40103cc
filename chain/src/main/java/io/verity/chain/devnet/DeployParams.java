package io.verity.chain.devnet;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;

/**
 * Constructor settings of a Verity deployment.
 *
 * @param minStake         least stake (wei) a node must hold to be active and commit batches
 * @param unbondingDelay   how long unbonding stake stays slashable before a node may withdraw it
 * @param slashBps         share of a node's stake taken per proven equivocation, 1..10000 basis points
 * @param reporterBps      share of the slashed amount paid to the reporter, 0..10000 basis points
 * @param withdrawalDelay  how long a client's withdrawal waits, so nodes can redeem outstanding vouchers
 */
public record DeployParams(BigInteger minStake, Duration unbondingDelay, int slashBps, int reporterBps, Duration withdrawalDelay) {
    public static final BigInteger ETHER = BigInteger.TEN.pow(18);

    public DeployParams {
        Objects.requireNonNull(minStake, "minStake");
        if (minStake.signum() <= 0) throw new IllegalArgumentException("minStake must be > 0 wei, got " + minStake);
        if (unbondingDelay.isNegative()) throw new IllegalArgumentException("unbondingDelay must be >= 0, got " + unbondingDelay);
        if (slashBps < 1 || slashBps > 10_000) throw new IllegalArgumentException("slashBps must be in 1..10000, got " + slashBps);
        if (reporterBps < 0 || reporterBps > 10_000) {
            throw new IllegalArgumentException("reporterBps must be in 0..10000, got " + reporterBps);
        }
        if (withdrawalDelay.isNegative()) throw new IllegalArgumentException("withdrawalDelay must be >= 0, got " + withdrawalDelay);
    }

    /** Devnet defaults: 1 ether minimum stake, 1 day unbonding and withdrawal delays, 50% slash, half to the reporter. */
    public static DeployParams defaults() {
        return new DeployParams(ETHER, Duration.ofDays(1), 5_000, 5_000, Duration.ofDays(1));
    }
}
