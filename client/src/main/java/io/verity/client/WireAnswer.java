package io.verity.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A 200 body as read off the wire, nothing checked yet. Both shapes become one: a node's {@code {outputs,
 * receipt}} is a gateway answer with {@code receipts: [receipt]}, policy none and a single verdict; its
 * requestId is receipts[0]'s.
 */
record WireAnswer(Keccak256 requestId, Policy policy, List<Tensor> outputs, List<SignedReceipt> receipts,
                  Verdict verdict, List<Payment> payments) {

    /** @throws UnverifiedAnswerException RESPONSE_FORMAT, naming the JSON Pointer of the first bad field */
    static WireAnswer read(JsonNode body) {
        try {
            if (body == null || !body.isObject()) throw new InvalidFieldException("", "must be a JSON object");
            List<Tensor> outputs = TensorJson.readList(required(body, "outputs"), "/outputs");
            if (body.has("receipts")) return gateway(body, outputs);
            SignedReceipt r = ReceiptJson.read(required(body, "receipt"), "/receipt");
            return new WireAnswer(r.receipt().requestId(), Policy.NONE, outputs, List.of(r), Verdict.single(), List.of());
        } catch (IllegalArgumentException e) { // InvalidFieldException, or a value type's own range check
            throw new UnverifiedAnswerException(UnverifiedAnswerException.Check.RESPONSE_FORMAT,
                    "the answer is not a node or gateway answer (docs/gateway.md): " + e.getMessage());
        }
    }

    private static WireAnswer gateway(JsonNode body, List<Tensor> outputs) {
        Keccak256 requestId = bytes32(body, "requestId", "/requestId");
        Policy policy;
        try {
            policy = Policy.parse(text(body, "policy", "/policy"));
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("/policy", e.getMessage());
        }
        JsonNode rs = required(body, "receipts");
        if (!rs.isArray() || rs.isEmpty()) throw new InvalidFieldException("/receipts", "must be a non-empty array of receipts");
        List<SignedReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) receipts.add(ReceiptJson.read(rs.get(i), "/receipts/" + i));
        Verdict verdict = verdict(required(body, "verdict"));
        List<Payment> payments = new ArrayList<>();
        JsonNode ps = body.path("payments");
        if (!ps.isMissingNode() && !ps.isNull()) {
            if (!ps.isArray()) throw new InvalidFieldException("/payments", "must be an array");
            for (int i = 0; i < ps.size(); i++) {
                String p = "/payments/" + i;
                JsonNode n = ps.get(i);
                payments.add(new Payment(address(n, "node", p + "/node"), wei(n, "amount", p + "/amount"),
                        wei(n, "cumulativeAmount", p + "/cumulativeAmount")));
            }
        }
        return new WireAnswer(requestId, policy, outputs, receipts, verdict, payments);
    }

    private static Verdict verdict(JsonNode v) {
        if (!v.isObject()) throw new InvalidFieldException("/verdict", "must be an object");
        Verdict.Status status = enumValue(() -> Verdict.Status.fromWireName(text(v, "status", "/verdict/status")), "/verdict/status");
        Verdict.Comparison comparison = v.hasNonNull("comparison")
                ? enumValue(() -> Verdict.Comparison.fromWireName(text(v, "comparison", "/verdict/comparison")), "/verdict/comparison")
                : Verdict.Comparison.BIT_EXACT;
        Verdict.Audit audit = v.hasNonNull("audit")
                ? enumValue(() -> Verdict.Audit.fromWireName(text(v, "audit", "/verdict/audit")), "/verdict/audit")
                : Verdict.Audit.NONE;
        List<Verdict.Dissent> dissent = new ArrayList<>();
        JsonNode ds = v.path("dissent");
        for (int i = 0; i < ds.size(); i++) {
            String p = "/verdict/dissent/" + i;
            JsonNode d = ds.get(i);
            dissent.add(new Verdict.Dissent(address(d, "node", p + "/node"), bytes32(d, "receiptId", p + "/receiptId"),
                    bytes32(d, "outputsDigest", p + "/outputsDigest")));
        }
        return new Verdict(status, integer(v, "asked", "/verdict/asked"), integer(v, "agreeing", "/verdict/agreeing"),
                comparison, dissent, audit);
    }

    private interface Read<T> {
        T get();
    }

    private static <T> T enumValue(Read<T> read, String pointer) {
        try {
            return read.get();
        } catch (InvalidFieldException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(pointer, e.getMessage());
        }
    }

    private static JsonNode required(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) throw new InvalidFieldException("/" + field, "is required");
        return v;
    }

    private static String text(JsonNode obj, String field, String pointer) {
        JsonNode v = obj.get(field);
        if (v == null || !v.isTextual()) throw new InvalidFieldException(pointer, "must be a string, got " + v);
        return v.textValue();
    }

    private static int integer(JsonNode obj, String field, String pointer) {
        JsonNode v = obj.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new InvalidFieldException(pointer, "must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static Keccak256 bytes32(JsonNode obj, String field, String pointer) {
        String s = text(obj, field, pointer);
        if (!s.matches("0x[0-9a-fA-F]{64}")) throw new InvalidFieldException(pointer, "must be 0x and 64 hex digits, got '" + s + "'");
        return Keccak256.parse(s);
    }

    private static EvmAddress address(JsonNode obj, String field, String pointer) {
        String s = text(obj, field, pointer);
        try {
            return EvmAddress.parse(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(pointer, "must be an address, got '" + s + "': " + e.getMessage());
        }
    }

    private static BigInteger wei(JsonNode obj, String field, String pointer) {
        String s = text(obj, field, pointer); // uint256 does not fit a JSON number, so wei travel as decimal strings
        if (!s.matches("[0-9]{1,78}")) throw new InvalidFieldException(pointer, "must be a decimal string of wei, got '" + s + "'");
        return new BigInteger(s);
    }
}
