package io.verity.client;

import io.verity.protocol.Checks;
import io.verity.protocol.Keccak256;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.AnswerVerdict;
import io.verity.protocol.wire.Payment;
import java.util.List;

/**
 * An answer whose every check passed ({@link VerityClient#infer}): {@code receipts.get(0)} signed these
 * {@code outputs} for the inputs the client sent, under the trusted domain, with the client's request id.
 * Only {@link VerityClient} creates one, so holding one means it verified.
 *
 * @param receipts one per agreeing node, from distinct signers, never empty
 * @param payments what a gateway promised nodes for this answer; empty for a node's answer
 */
public record VerifiedAnswer(Keccak256 requestId, Policy policy, List<Tensor> outputs, List<SignedReceipt> receipts,
                             AnswerVerdict verdict, List<Payment> payments) {
    public VerifiedAnswer {
        Checks.nonNull("requestId", requestId, "policy", policy, "verdict", verdict);
        outputs = List.copyOf(outputs);
        receipts = List.copyOf(receipts);
        payments = List.copyOf(payments);
        if (receipts.isEmpty()) throw new IllegalArgumentException("a verified answer has at least one receipt");
    }

    /** The model every receipt names. */
    public Keccak256 modelDigest() {
        return receipts.getFirst().receipt().modelDigest();
    }

    /** The output named {@code name}. */
    public Tensor output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no output named '" + name + "', the answer has "
                        + outputs.stream().map(Tensor::name).toList()));
    }
}
