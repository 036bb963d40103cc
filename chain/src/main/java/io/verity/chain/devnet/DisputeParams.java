package io.verity.chain.devnet;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;

/**
 * Constructor settings of the DisputeGame contract (docs/deterministic-engine.md, "Disputes").
 *
 * @param minBond        least bond (wei) a challenger posts; lost to the node (and committee) when it loses
 * @param moveTimeout    how long each party has for a bisection move; the one that misses it loses
 * @param voteTimeout    how long the committee has to vote; afterwards the votes cast decide
 * @param committeeSize  staked nodes (other than the two parties) drawn to re-execute the disputed operator, 1..255
 * @param slashBps       share of a convicted node's stake (stake + unbonding) slashed, 1..10000 basis points
 * @param committeeBps   share of the pot (slashed stake or lost bond) paid to the committee's majority, 0..10000
 * @param wrongVoteSlash wei slashed from a committee member that voted against the majority (0: only recorded)
 * @param disputeWindow  how long after its batch commit a receipt can be disputed; its node keeps the inputs that long
 */
public record DisputeParams(BigInteger minBond, Duration moveTimeout, Duration voteTimeout, int committeeSize,
                            int slashBps, int committeeBps, BigInteger wrongVoteSlash, Duration disputeWindow) {
    public DisputeParams {
        Objects.requireNonNull(minBond, "minBond");
        if (minBond.signum() < 0) throw new IllegalArgumentException("minBond must be >= 0 wei, got " + minBond);
        if (moveTimeout.isNegative() || moveTimeout.isZero()) {
            throw new IllegalArgumentException("moveTimeout must be positive, got " + moveTimeout);
        }
        if (voteTimeout.isNegative() || voteTimeout.isZero()) {
            throw new IllegalArgumentException("voteTimeout must be positive, got " + voteTimeout);
        }
        if (committeeSize < 1 || committeeSize > 255) {
            throw new IllegalArgumentException("committeeSize must be in 1..255, got " + committeeSize);
        }
        if (slashBps < 1 || slashBps > 10_000) throw new IllegalArgumentException("slashBps must be in 1..10000, got " + slashBps);
        if (committeeBps < 0 || committeeBps > 10_000) {
            throw new IllegalArgumentException("committeeBps must be in 0..10000, got " + committeeBps);
        }
        Objects.requireNonNull(wrongVoteSlash, "wrongVoteSlash");
        if (wrongVoteSlash.signum() < 0) throw new IllegalArgumentException("wrongVoteSlash must be >= 0 wei, got " + wrongVoteSlash);
        if (disputeWindow.toSeconds() < 1) {
            throw new IllegalArgumentException("disputeWindow must be at least 1 second, got " + disputeWindow);
        }
    }

    /**
     * The dispute window's default: one day, the default unbonding delay (docs/deterministic-engine.md, "Dispute window").
     */
    public static final Duration DEFAULT_DISPUTE_WINDOW = Duration.ofDays(1);

    /**
     * Devnet defaults: 0.1 ether bond, 10 minutes per move and for the vote, a committee of 3, half the node's
     * stake slashed, 10% of the pot to the majority, 0.01 ether for a wrong vote, a one-day dispute window.
     */
    public static DisputeParams defaults() {
        return new DisputeParams(DeployParams.ETHER.divide(BigInteger.TEN), Duration.ofMinutes(10), Duration.ofMinutes(10), 3,
                5_000, 1_000, DeployParams.ETHER.divide(BigInteger.valueOf(100)), DEFAULT_DISPUTE_WINDOW);
    }

    /** These settings with another dispute window. */
    public DisputeParams withDisputeWindow(Duration window) {
        return new DisputeParams(minBond, moveTimeout, voteTimeout, committeeSize, slashBps, committeeBps, wrongVoteSlash, window);
    }
}
