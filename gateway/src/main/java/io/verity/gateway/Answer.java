package io.verity.gateway;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.SignedReceipt;

/** A node's answer that passed the gateway's checks, whatever it answers (tensors or a language model). */
interface Answer {
    NodeState node();

    /** The receipt the gateway verified: signed by {@link #node()} for this request and exactly this answer. */
    SignedReceipt receipt();

    Attempt attempt();

    default EvmAddress signer() {
        return receipt().receipt().node();
    }
}
