package io.verity.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.util.List;

/**
 * A node's answer that passed the gateway's checks: the receipt verifies under the network's domain, was
 * signed by the node called, and commits to this request, model, inputs and exactly these outputs.
 *
 * @param outputsJson the outputs as the node sent them, relayed to the client without re-encoding
 */
record NodeAnswer(NodeState node, List<Tensor> outputs, JsonNode outputsJson, SignedReceipt receipt, Attempt attempt) {
    EvmAddress signer() {
        return receipt.receipt().node();
    }

    boolean deterministic() {
        return receipt.receipt().engine().startsWith("verity-det/");
    }
}
