package io.verity.chain.contracts;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;

/**
 * One DisputeGame as the contract holds it.
 *
 * @param lo          last index both sides agree on (-1: none yet, the empty chain)
 * @param hi          first index the challenger disputes
 * @param next        the index the node must reveal next (when {@code state} is AWAIT_NODE)
 * @param rounds      reveals the node made so far
 * @param agreedChain chain(lo)
 * @param nodeDigest  the node's digest of entry {@code hi} once revealed, else zero
 */
public record Dispute(long id, Keccak256 receiptId, Keccak256 traceRoot, EvmAddress node, EvmAddress challenger,
                      BigInteger bond, State state, long n, long lo, long hi, long next, Instant deadline, int rounds,
                      Keccak256 agreedChain, Keccak256 nodeDigest) {
    /**
     * The contract's State enum, in its order. DRAWING: the bisection is over and the committee is drawn once
     * the committed block is mined ({@link DisputeClient#draw}); its deadline is the epoch (none runs).
     * AWAIT_TRACE: an on-challenge receipt's game waits for the node's {@link DisputeClient#commitTrace}, until block
     * {@link DisputeClient#commitBlock} (its deadline is the epoch and its traceRoot zero until then).
     */
    public enum State {
        NONE, AWAIT_NODE, AWAIT_CHALLENGER, VOTING, NODE_WON, CHALLENGER_WON, DRAW, DRAWING, AWAIT_TRACE;

        public boolean finished() {
            return this == NODE_WON || this == CHALLENGER_WON || this == DRAW;
        }
    }

    public Dispute {
        Objects.requireNonNull(receiptId, "receiptId");
        Objects.requireNonNull(state, "state");
    }
}
