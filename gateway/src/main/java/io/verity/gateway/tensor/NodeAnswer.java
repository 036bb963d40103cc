package io.verity.gateway.tensor;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.gateway.policy.Agreement;
import io.verity.gateway.policy.Answer;
import io.verity.gateway.routing.Attempt;
import io.verity.gateway.routing.NodeState;
import io.verity.protocol.Keccak256;
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
    boolean deterministic() {
        return receipt.receipt().engine().startsWith("verity-det/");
    }

    /** Bit-exact between deterministic engines (the receipts' digests), else within the model's tolerance. */
    public static Agreement<NodeAnswer> agreement(Tolerance tolerance) {
        return new Agreement<>() {
            @Override
            public boolean same(NodeAnswer a, NodeAnswer b) {
                if (a.receipt().receipt().outputsDigest().equals(b.receipt().receipt().outputsDigest())) return true;
                if (a.deterministic() && b.deterministic()) return false;
                return tolerance.same(a.outputs(), b.outputs());
            }

            /** Identical digests (bit-exact), or the tolerance when some digests differ; none for one answer. */
            @Override
            public String comparison(List<NodeAnswer> answers) {
                if (answers.size() == 1) return "none";
                Keccak256 first = answers.get(0).receipt().receipt().outputsDigest();
                for (NodeAnswer a : answers) if (!a.receipt().receipt().outputsDigest().equals(first)) return tolerance.describe();
                return "bit-exact";
            }
        };
    }
}
