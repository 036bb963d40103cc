package io.verity.gateway.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.gateway.policy.Agreement;
import io.verity.gateway.policy.Answer;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeState;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.util.List;

/**
 * A node's answer that passed the gateway's checks: the receipt verifies under the network's domain, was
 * signed by the node called, and commits to this request, model, inputs and exactly these outputs.
 *
 * @param outputsJson the outputs as the node sent them (its bytes, as a raw value), relayed to the client without re-encoding
 */
public record NodeAnswer(NodeState node, List<Tensor> outputs, JsonNode outputsJson, SignedReceipt receipt, Attempt attempt)
        implements Answer {
    /** Bit-exact between deterministic engines (the receipts' digests), else within the model's tolerance. */
    public static Agreement<NodeAnswer> agreement(Tolerance tolerance) {
        return tolerance.agreement(NodeAnswer::receipt, NodeAnswer::outputs);
    }
}
