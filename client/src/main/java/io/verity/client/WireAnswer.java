package io.verity.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.AnswerVerdict;
import io.verity.protocol.wire.GatewayAnswer;
import io.verity.protocol.wire.Payment;
import java.util.List;

/**
 * A 200 body as read off the wire, nothing checked yet. Both shapes become one: a node's {@code {outputs,
 * receipt}} is a gateway answer ({@link GatewayAnswer}) with {@code receipts: [receipt]}, policy none and a
 * single verdict; its requestId is receipts[0]'s.
 */
record WireAnswer(Keccak256 requestId, Policy policy, List<Tensor> outputs, List<SignedReceipt> receipts,
                  AnswerVerdict verdict, List<Payment> payments) {

    /** @throws UnverifiedAnswerException RESPONSE_FORMAT, naming the JSON Pointer of the first bad field */
    static WireAnswer read(JsonNode body) {
        try {
            if (body != null && body.isObject() && !body.has("receipts")) {
                JsonNode outputs = body.get("outputs"), receipt = body.get("receipt");
                if (outputs == null || outputs.isNull()) throw new InvalidFieldException("/outputs", "is required");
                List<Tensor> tensors = TensorJson.readList(outputs, "/outputs"); // the outputs first, as always
                if (receipt == null || receipt.isNull()) throw new InvalidFieldException("/receipt", "is required");
                SignedReceipt r = ReceiptJson.read(receipt, "/receipt");
                return new WireAnswer(r.receipt().requestId(), Policy.NONE, tensors, List.of(r), AnswerVerdict.single(), List.of());
            }
            GatewayAnswer g = GatewayAnswer.read(body);
            return new WireAnswer(g.requestId(), g.policy(), g.outputs(), g.receipts(), g.verdict(), g.payments());
        } catch (IllegalArgumentException e) { // InvalidFieldException, or a value type's own range check
            throw new UnverifiedAnswerException(UnverifiedAnswerException.Check.RESPONSE_FORMAT,
                    "the answer is not a node or gateway answer (docs/gateway.md): " + e.getMessage());
        }
    }
}
