package io.verity.chain.contracts;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.net.URI;
import java.util.Objects;

/**
 * One CommitteeDisputes dispute as the contract holds it: the accused receipt's digests, the challenger's answer,
 * where the challenger serves the inputs and the accused outputs, the rule it is judged by and the deadlines
 * (block numbers; zero until the committee is drawn).
 */
public record CommitteeDispute(long id, Keccak256 receiptId, Keccak256 modelDigest, Keccak256 inputsDigest,
                               Keccak256 outputsDigest, Keccak256 challengerOutputs, EvmAddress node,
                               EvmAddress challenger, BigInteger bond, URI inputsUri, State state, ComparisonRule rule,
                               long drawBlock, long commitDeadline, long revealDeadline, int committed, int revealed) {
    /** The contract's State enum, in its order. */
    public enum State {
        NONE, DRAWING, VOTING, NODE_WON, CHALLENGER_WON, VOID;

        public boolean finished() {
            return this == NODE_WON || this == CHALLENGER_WON || this == VOID;
        }
    }

    public CommitteeDispute {
        Objects.requireNonNull(receiptId, "receiptId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(rule, "rule");
    }
}
