package io.verity.chain.devnet;

import io.verity.chain.W3;
import java.math.BigInteger;
import java.util.Objects;
import org.web3j.abi.datatypes.StaticStruct;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * The owner-set parameters of CommitteeDisputes (its Params struct; docs/gateway.md, "Committee disputes").
 * Deadlines are in blocks, so a test chain can mine through them instead of waiting.
 *
 * @param minBond       least bond (wei) a challenger posts; lost (less the majority's share) to the node when it loses
 * @param memberPenalty wei slashed (burnt) from a member who does not reveal or votes with the minority
 * @param drawDelay     blocks from opening to the block whose hash seeds the committee, >= 1
 * @param commitBlocks  blocks the committee has to commit its votes once drawn, >= 1
 * @param revealBlocks  blocks to reveal after the commit deadline, >= 1
 * @param slashBps      share of a convicted node's stake + unbonding slashed, 1..10000 basis points
 * @param committeeBps  share of the pot (slashed stake or lost bond) paid to the majority, 0..10000
 * @param committeeSize members drawn (fewer when fewer nodes serve the model), 1..255
 */
public record CommitteeParams(BigInteger minBond, BigInteger memberPenalty, long drawDelay, long commitBlocks,
                              long revealBlocks, int slashBps, int committeeBps, int committeeSize) {
    public CommitteeParams {
        Objects.requireNonNull(minBond, "minBond");
        Objects.requireNonNull(memberPenalty, "memberPenalty");
        if (minBond.signum() < 0) throw new IllegalArgumentException("minBond must be >= 0 wei, got " + minBond);
        if (memberPenalty.signum() < 0) throw new IllegalArgumentException("memberPenalty must be >= 0 wei, got " + memberPenalty);
        if (drawDelay < 1) throw new IllegalArgumentException("drawDelay must be >= 1 block, got " + drawDelay);
        if (commitBlocks < 1) throw new IllegalArgumentException("commitBlocks must be >= 1 block, got " + commitBlocks);
        if (revealBlocks < 1) throw new IllegalArgumentException("revealBlocks must be >= 1 block, got " + revealBlocks);
        if (slashBps < 1 || slashBps > 10_000) throw new IllegalArgumentException("slashBps must be in 1..10000, got " + slashBps);
        if (committeeBps < 0 || committeeBps > 10_000) {
            throw new IllegalArgumentException("committeeBps must be in 0..10000, got " + committeeBps);
        }
        if (committeeSize < 1 || committeeSize > 255) {
            throw new IllegalArgumentException("committeeSize must be in 1..255, got " + committeeSize);
        }
    }

    /**
     * Defaults: 0.1 ether bond, 0.05 ether member penalty, committee of 3 drawn 2 blocks after opening, 100 blocks
     * to commit and 100 to reveal, half the node's stake slashed, 10% of the pot to the majority (docs/gateway.md
     * works out why these make cheating cost more than 10x what it gains).
     */
    public static CommitteeParams defaults() {
        return new CommitteeParams(DeployParams.ETHER.divide(BigInteger.TEN), DeployParams.ETHER.divide(BigInteger.valueOf(20)),
                2, 100, 100, 5_000, 1_000, 3);
    }

    /** As the contract's Params struct (constructor and setParams argument). */
    public StaticStruct struct() {
        return new StaticStruct(W3.uint256(minBond), W3.uint256(memberPenalty), W3.uint64(drawDelay), W3.uint64(commitBlocks),
                W3.uint64(revealBlocks), new Uint16(slashBps), new Uint16(committeeBps), new Uint8(committeeSize));
    }
}
