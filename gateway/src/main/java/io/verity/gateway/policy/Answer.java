package io.verity.gateway.policy;

import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeState;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.SignedReceipt;

/** A node's answer that passed the gateway's checks, whatever it answers (tensors or a language model). */
public interface Answer {
    NodeState node();

    /** The receipt the gateway verified: signed by {@link #node()} for this request and exactly this answer. */
    SignedReceipt receipt();

    Attempt attempt();

    default EvmAddress signer() {
        return receipt().receipt().node();
    }
}
