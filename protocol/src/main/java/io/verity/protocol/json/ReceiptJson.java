package io.verity.protocol.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.Signature;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import java.io.IOException;
import java.math.BigInteger;

/**
 * The JSON form of a signed receipt (docs/protocol.md): every Receipt field, plus {@code id}, {@code domain}
 * and {@code signature}. {@code price} is a decimal string, {@code verification} the mode's name, bytes32
 * values 0x + 64 hex digits, {@code node} an address (EIP-55 checksum case, or all lower case). {@code version}
 * is the discriminator: a version-2 receipt also has the {@link ReceiptV2} members (docs/receipts.md), the model
 * names as strings (the signed struct holds their hashes), {@code cumulativeAmount} a decimal string.
 *
 * <p>Reading checks form, not the signature: call {@link SignedReceipt#verify()}. {@code id} may be left out;
 * when present it must equal the recomputed EIP-712 digest. Members not in the format are ignored (they are
 * not signed, so they carry no weight).
 */
public final class ReceiptJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final BigInteger UINT256_LIMIT = BigInteger.ONE.shiftLeft(256);

    private ReceiptJson() {}

    /**
     * @param pointer the JSON Pointer of {@code node} in its document ("" for the root)
     * @throws InvalidFieldException listing every malformed field, or a mismatched {@code id}
     */
    public static SignedReceipt read(JsonNode node, String pointer) {
        FieldErrors errors = new FieldErrors();
        if (!Json.requireObject(node, pointer, "a receipt", errors)) errors.throwIfAny();
        String p = pointer;
        Long version = Json.integer(node, p, "version", 0, 0xffff, errors);
        if (version != null && version != Receipt.VERSION && version != ReceiptV2.VERSION) {
            errors.add(Json.child(p, "version"), "must be " + Receipt.VERSION + " or " + ReceiptV2.VERSION + ", got " + version);
        }
        Keccak256 requestId = Json.bytes32(node, p, "requestId", errors);
        Keccak256 modelDigest = Json.bytes32(node, p, "modelDigest", errors);
        String engine = Json.nonEmptyString(node, p, "engine", errors);
        Keccak256 inputsDigest = Json.bytes32(node, p, "inputsDigest", errors);
        Keccak256 outputsDigest = Json.bytes32(node, p, "outputsDigest", errors);
        Keccak256 traceRoot = Json.bytes32(node, p, "traceRoot", errors);
        EvmAddress nodeAddress = Json.address(node, p, "node", errors);
        Keccak256 attestationDigest = Json.bytes32(node, p, "attestationDigest", errors);
        VerificationMode verification = Json.named(node, p, "verification", VerificationMode::fromWireName, errors);
        BigInteger price = uint256(node, p, "price", errors);
        Long timestamp = Json.integer(node, p, "timestamp", 0, Long.MAX_VALUE, errors);
        Eip712Domain domain = domain(node, p, errors);
        Signature signature = Json.signature(node, p, "signature", errors);
        Keccak256 claimedId = node.hasNonNull("id") ? Json.bytes32(node, p, "id", errors) : null;
        ReceiptV2 v2 = version != null && version == ReceiptV2.VERSION ? readV2(node, p, errors) : null;
        errors.throwIfAny();

        SignedReceipt receipt = new SignedReceipt(new Receipt(version.intValue(), requestId, modelDigest, engine,
                inputsDigest, outputsDigest, traceRoot, nodeAddress, attestationDigest, verification, price,
                timestamp, v2), domain, signature);
        if (claimedId != null && !claimedId.equals(receipt.id())) {
            throw new InvalidFieldException(Json.child(p, "id"), "does not match the receipt's EIP-712 digest: expected "
                    + receipt.id() + ", got " + claimedId);
        }
        return receipt;
    }

    /** The JSON form, fields in the order of docs/protocol.md, {@code id} first. */
    public static ObjectNode write(SignedReceipt signed) {
        Receipt r = signed.receipt();
        ObjectNode o = NODES.objectNode();
        o.put("id", signed.id().toHex());
        o.put("version", r.version());
        o.put("requestId", r.requestId().toHex());
        o.put("modelDigest", r.modelDigest().toHex());
        o.put("engine", r.engine());
        o.put("inputsDigest", r.inputsDigest().toHex());
        o.put("outputsDigest", r.outputsDigest().toHex());
        o.put("traceRoot", r.traceRoot().toHex());
        o.put("node", r.node().toString());
        o.put("attestationDigest", r.attestationDigest().toHex());
        o.put("verification", r.verification().wireName());
        o.put("price", r.price().toString());
        o.put("timestamp", r.timestamp());
        if (r.isV2()) writeV2(o, r.v2());
        o.set("domain", writeDomain(signed.domain()));
        o.put("signature", signed.signature().toHex());
        return o;
    }

    /** Streams the JSON form of {@link #write(SignedReceipt)}. */
    public static void write(JsonGenerator g, SignedReceipt signed) throws IOException {
        MAPPER.writeTree(g, write(signed));
    }

    static ObjectNode writeDomain(Eip712Domain d) {
        ObjectNode o = NODES.objectNode();
        o.put("name", d.name());
        o.put("version", d.version());
        o.put("chainId", d.chainId());
        o.put("verifyingContract", d.verifyingContract().toString());
        return o;
    }

    /** The format-2 members, after the v1 ones, in {@link ReceiptV2}'s order. */
    private static void writeV2(ObjectNode o, ReceiptV2 v) {
        o.put("requestedModel", v.requestedModel());
        o.put("servedModel", v.servedModel());
        o.put("provider", v.provider());
        o.put("promptTokens", v.promptTokens());
        o.put("completionTokens", v.completionTokens());
        o.put("payer", v.payer().toString());
        o.put("cumulativeAmount", v.cumulativeAmount().toString());
        o.put("prevReceipt", v.prevReceipt().toHex());
        o.put("attachmentsDigest", v.attachmentsDigest().toHex());
    }

    private static ReceiptV2 readV2(JsonNode node, String p, FieldErrors errors) {
        String requested = Json.string(node, p, "requestedModel", errors);
        String served = Json.string(node, p, "servedModel", errors);
        String provider = Json.string(node, p, "provider", errors);
        Long promptTokens = Json.integer(node, p, "promptTokens", 0, ReceiptV2.MAX_TOKENS, errors);
        Long completionTokens = Json.integer(node, p, "completionTokens", 0, ReceiptV2.MAX_TOKENS, errors);
        EvmAddress payer = Json.address(node, p, "payer", errors);
        BigInteger cumulative = uint256(node, p, "cumulativeAmount", errors);
        Keccak256 prev = Json.bytes32(node, p, "prevReceipt", errors);
        Keccak256 attachments = Json.bytes32(node, p, "attachmentsDigest", errors);
        if (requested == null || served == null || provider == null || promptTokens == null || completionTokens == null
                || payer == null || cumulative == null || prev == null || attachments == null) {
            return null;
        }
        return new ReceiptV2(requested, served, provider, promptTokens, completionTokens, payer, cumulative, prev, attachments);
    }

    private static BigInteger uint256(JsonNode node, String p, String field, FieldErrors errors) {
        String s = Json.string(node, p, field, errors);
        if (s == null) return null;
        BigInteger v = s.matches("[0-9]{1,78}") ? new BigInteger(s) : null;
        if (v == null || v.compareTo(UINT256_LIMIT) >= 0) {
            errors.add(Json.child(p, field), "must be a decimal string of wei, 0 <= " + field + " < 2^256, got "
                    + Json.show(node.get(field)));
            return null;
        }
        return v;
    }

    private static Eip712Domain domain(JsonNode node, String p, FieldErrors errors) {
        JsonNode d = Json.required(node, p, "domain", errors);
        if (d == null) return null;
        String dp = Json.child(p, "domain");
        if (!Json.requireObject(d, dp, "an EIP-712 domain", errors)) return null;
        String name = Json.string(d, dp, "name", errors);
        String version = Json.string(d, dp, "version", errors);
        Long chainId = Json.integer(d, dp, "chainId", 0, Long.MAX_VALUE, errors);
        EvmAddress contract = Json.address(d, dp, "verifyingContract", errors);
        if (name == null || version == null || chainId == null || contract == null) return null;
        return new Eip712Domain(name, version, chainId, contract);
    }
}
