package io.verity.protocol.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.Checks;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's {@code POST /v1/infer} answer (docs/gateway.md): written by the gateway, read by the SDK, so
 * the two cannot disagree on a member. Members in this order: requestId, model, policy, outputs, receipts,
 * verdict, payments, attempts.
 *
 * @param receipts one per agreeing node, never empty; receipts[0] signed {@code outputs}
 * @param attempts every call the gateway made for this answer, in the order they ended
 */
public record GatewayAnswer(Keccak256 requestId, String model, Policy policy, List<Tensor> outputs,
                            List<SignedReceipt> receipts, AnswerVerdict verdict, List<Payment> payments,
                            List<Attempt> attempts) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public GatewayAnswer {
        Checks.nonNull("requestId", requestId, "model", model, "policy", policy, "verdict", verdict);
        outputs = List.copyOf(outputs);
        receipts = List.copyOf(receipts);
        payments = List.copyOf(payments);
        attempts = List.copyOf(attempts);
        if (receipts.isEmpty()) throw new IllegalArgumentException("an answer has at least one receipt");
    }

    /**
     * One call to one node.
     *
     * @param outcome {@code ok}, {@code timeout}, {@code connect-error}, {@code http-<status>}, {@code invalid-receipt}, …
     * @param ms how long it took, written to a tenth of a millisecond
     * @param detail empty when there is nothing to say (left out on the wire)
     */
    public record Attempt(EvmAddress node, URI url, String outcome, double ms, String detail) {
        public Attempt {
            Checks.nonNull("node", node, "url", url, "outcome", outcome, "detail", detail);
        }

        /** As the answer and the gateway's problems ({@code attempts}) carry it. */
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode().put("node", node.toString()).put("url", url.toString())
                    .put("outcome", outcome).put("ms", Math.round(ms * 10) / 10.0);
            if (!detail.isEmpty()) o.put("detail", detail);
            return o;
        }
    }

    /**
     * Reads a gateway answer.
     *
     * @throws InvalidFieldException naming the JSON Pointer of the first bad field
     */
    public static GatewayAnswer read(JsonNode body) {
        if (body == null || !body.isObject()) throw new InvalidFieldException("", "must be a JSON object");
        Keccak256 requestId = bytes32(body, "requestId", "");
        String model = text(body, "model", "");
        Policy policy;
        try {
            policy = Policy.parse(text(body, "policy", ""));
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("/policy", e.getMessage());
        }
        List<Tensor> outputs = TensorJson.readList(required(body, "outputs", ""), "/outputs");
        JsonNode rs = required(body, "receipts", "");
        if (!rs.isArray() || rs.isEmpty()) throw new InvalidFieldException("/receipts", "must be a non-empty array of receipts");
        List<SignedReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) receipts.add(ReceiptJson.read(rs.get(i), "/receipts/" + i));
        AnswerVerdict verdict = AnswerVerdict.read(required(body, "verdict", ""), "/verdict");
        List<Payment> payments = new ArrayList<>();
        JsonNode ps = array(body, "payments");
        for (int i = 0; i < ps.size(); i++) {
            String p = "/payments/" + i;
            JsonNode n = object(ps.get(i), p);
            try {
                payments.add(new Payment(address(n, "node", p), wei(n, "amount", p), wei(n, "cumulativeAmount", p)));
            } catch (InvalidFieldException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidFieldException(p + "/cumulativeAmount", e.getMessage());
            }
        }
        List<Attempt> attempts = new ArrayList<>();
        JsonNode as = array(body, "attempts");
        for (int i = 0; i < as.size(); i++) {
            String p = "/attempts/" + i;
            JsonNode a = object(as.get(i), p);
            URI url;
            try {
                url = URI.create(text(a, "url", p));
            } catch (InvalidFieldException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new InvalidFieldException(p + "/url", "must be a URI: " + e.getMessage());
            }
            JsonNode ms = a.get("ms");
            if (ms == null || !ms.isNumber()) throw new InvalidFieldException(p + "/ms", "must be a number, got " + ms);
            String detail = a.has("detail") ? text(a, "detail", p) : "";
            attempts.add(new Attempt(address(a, "node", p), url, text(a, "outcome", p), ms.doubleValue(), detail));
        }
        return new GatewayAnswer(requestId, model, policy, outputs, receipts, verdict, payments, attempts);
    }

    /** The answer as the gateway sends it, outputs encoded by {@link TensorJson}. */
    public byte[] toJson() {
        return toJson(null);
    }

    /**
     * The answer as the gateway sends it, with {@code outputsAsSent}, the node's own JSON of {@link #outputs()},
     * relayed as it came: the gateway re-encodes nothing it only passes through.
     */
    public byte[] toJson(JsonNode outputsAsSent) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("requestId", requestId.toHex());
            g.writeStringField("model", model);
            g.writeStringField("policy", policy.wireName());
            g.writeFieldName("outputs");
            if (outputsAsSent != null) {
                g.writeTree(outputsAsSent);
            } else {
                g.writeStartArray();
                for (Tensor t : outputs) TensorJson.write(g, t);
                g.writeEndArray();
            }
            g.writeArrayFieldStart("receipts");
            for (SignedReceipt r : receipts) ReceiptJson.write(g, r);
            g.writeEndArray();
            g.writeFieldName("verdict");
            verdict.write(g);
            g.writeArrayFieldStart("payments");
            for (Payment p : payments) g.writeTree(p.toJson());
            g.writeEndArray();
            g.writeArrayFieldStart("attempts");
            for (Attempt a : attempts) g.writeTree(a.toJson());
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    // ---- field readers shared with AnswerVerdict: each names the member's pointer under its parent's ----

    static JsonNode required(JsonNode obj, String field, String parent) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) throw new InvalidFieldException(parent + "/" + field, "is required");
        return v;
    }

    private static JsonNode array(JsonNode obj, String field) {
        JsonNode v = obj.path(field);
        if (v.isMissingNode() || v.isNull()) return JSON.createArrayNode();
        if (!v.isArray()) throw new InvalidFieldException("/" + field, "must be an array");
        return v;
    }

    private static JsonNode object(JsonNode v, String pointer) {
        if (!v.isObject()) throw new InvalidFieldException(pointer, "must be an object");
        return v;
    }

    static String text(JsonNode obj, String field, String parent) {
        JsonNode v = obj.get(field);
        if (v == null || !v.isTextual()) throw new InvalidFieldException(parent + "/" + field, "must be a string, got " + v);
        return v.textValue();
    }

    static int integer(JsonNode obj, String field, String parent) {
        JsonNode v = obj.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new InvalidFieldException(parent + "/" + field, "must be an integer, got " + v);
        }
        return v.intValue();
    }

    static Keccak256 bytes32(JsonNode obj, String field, String parent) {
        String s = text(obj, field, parent);
        if (!s.matches("0x[0-9a-fA-F]{64}")) {
            throw new InvalidFieldException(parent + "/" + field, "must be 0x and 64 hex digits, got '" + s + "'");
        }
        return Keccak256.parse(s);
    }

    static EvmAddress address(JsonNode obj, String field, String parent) {
        String s = text(obj, field, parent);
        try {
            return EvmAddress.parse(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(parent + "/" + field, "must be an address, got '" + s + "': " + e.getMessage());
        }
    }

    private static BigInteger wei(JsonNode obj, String field, String parent) {
        String s = text(obj, field, parent); // uint256 does not fit a JSON number, so wei travel as decimal strings
        if (!s.matches("[0-9]{1,78}")) {
            throw new InvalidFieldException(parent + "/" + field, "must be a decimal string of wei, got '" + s + "'");
        }
        return new BigInteger(s);
    }
}
