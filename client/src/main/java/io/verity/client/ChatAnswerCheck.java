package io.verity.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.client.UnverifiedAnswerException.Check;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.AskedModel;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The receipts of an OpenAI-style answer from a Verity gateway or node (its {@code verity} object, docs/llm.md),
 * checked for what a Java client can see without the chat digests: every receipt is well-formed, signed under
 * the trusted domain, and says the model asked for served the answer ({@link AskedModel}: a substitution fails
 * unless the request allowed it; a pinned digest must match). The TypeScript SDK's {@code verifiedFetch} also
 * recomputes the request and response digests.
 */
public final class ChatAnswerCheck {
    private ChatAnswerCheck() {}

    /**
     * @param answer a non-streamed answer, or a stream's last chunk (the one with {@code verity})
     * @param asked the model the request named, its pin and whether it allowed a substitution
     * @param trusted the domain receipts must be signed under: the chain and Settlement contract you settle on
     * @return the receipts, the serving node's first
     * @throws UnverifiedAnswerException naming the first check that failed: RESPONSE_FORMAT, DOMAIN, SIGNATURE or SUBSTITUTION
     */
    public static List<SignedReceipt> verify(JsonNode answer, AskedModel asked, Eip712Domain trusted) {
        Objects.requireNonNull(asked, "asked");
        Objects.requireNonNull(trusted, "trusted");
        JsonNode verity = answer == null ? null : answer.get("verity");
        if (verity == null || !verity.isObject() || !verity.hasNonNull("receipt")) {
            throw new UnverifiedAnswerException(Check.RESPONSE_FORMAT, "the answer carries no verity.receipt");
        }
        List<SignedReceipt> receipts = new ArrayList<>();
        receipts.add(read(verity.get("receipt"), "/verity/receipt"));
        JsonNode more = verity.path("receipts");
        for (int i = 0; i < more.size(); i++) receipts.add(read(more.get(i), "/verity/receipts/" + i));
        for (SignedReceipt r : receipts) {
            if (r.verify(trusted) instanceof ReceiptVerdict.Invalid bad) {
                throw new UnverifiedAnswerException(bad.check() == ReceiptVerdict.Check.DOMAIN ? Check.DOMAIN : Check.SIGNATURE,
                        r.id(), r.receipt().node(), bad.check() + ": " + bad.reason());
            }
            var problem = asked.problem(r.receipt());
            if (problem.isPresent()) {
                throw new UnverifiedAnswerException(Check.SUBSTITUTION, r.id(), r.receipt().node(), problem.get());
            }
        }
        return List.copyOf(receipts);
    }

    private static SignedReceipt read(JsonNode json, String pointer) {
        try {
            return ReceiptJson.read(json, pointer);
        } catch (RuntimeException e) {
            throw new UnverifiedAnswerException(Check.RESPONSE_FORMAT, "malformed receipt: " + e.getMessage());
        }
    }
}
