package io.verity.protocol.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The JSON form of a signed voucher (docs/protocol.md, "Vouchers"):
 * {@code {client, node, cumulativeAmount, domain, signature}}, {@code cumulativeAmount} a decimal string of
 * wei, addresses in EIP-55 or lower case, {@code domain} the EIP-712 domain the client signed under (Payments
 * as verifying contract). Reading checks form only: the caller compares the domain with its chain's and
 * recovers the signer ({@link SignedVoucher#signer}). Members not in the format are ignored.
 */
public final class VoucherJson {
    /**
     * The HTTP request header naming who pays for an answer: the 0x address that signs the vouchers ({@code client}).
     * A gateway sends its client account; a node that charges serves a payer only within its credit.
     */
    public static final String PAYER_HEADER = "Verity-Payer";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final BigInteger UINT256_LIMIT = BigInteger.ONE.shiftLeft(256);

    private VoucherJson() {}

    /** A voucher as it travels: the signed voucher and the domain its JSON names. */
    public record Envelope(SignedVoucher signed, Eip712Domain domain) {
        public Envelope {
            Objects.requireNonNull(signed, "signed");
            Objects.requireNonNull(domain, "domain");
        }

        public Voucher voucher() {
            return signed.voucher();
        }
    }

    /** The domain a voucher for {@code payments} on chain {@code chainId} is signed under. */
    public static Eip712Domain domain(long chainId, EvmAddress payments) {
        return Eip712Domain.verity(chainId, payments);
    }

    public static ObjectNode write(Envelope e) {
        Voucher v = e.voucher();
        ObjectNode o = NODES.objectNode();
        o.put("client", v.client().toString());
        o.put("node", v.node().toString());
        o.put("cumulativeAmount", v.cumulativeAmount().toString());
        ObjectNode d = o.putObject("domain");
        d.put("name", e.domain().name());
        d.put("version", e.domain().version());
        d.put("chainId", e.domain().chainId());
        d.put("verifyingContract", e.domain().verifyingContract().toString());
        o.put("signature", Hex.encode(e.signed().signature()));
        return o;
    }

    /**
     * @param pointer the JSON Pointer of {@code node} in its document ("" for the root)
     * @throws InvalidFieldException listing every malformed field
     */
    public static Envelope read(JsonNode node, String pointer) {
        List<FieldError> errors = new ArrayList<>();
        if (node == null || !node.isObject()) {
            throw new InvalidFieldException(pointer, "must be a voucher object {client, node, cumulativeAmount, domain, "
                    + "signature}, got " + show(node));
        }
        EvmAddress client = address(node, pointer, "client", errors);
        EvmAddress payee = address(node, pointer, "node", errors);
        BigInteger amount = null;
        String a = string(node, pointer, "cumulativeAmount", errors);
        if (a != null) {
            amount = a.matches("[0-9]{1,78}") ? new BigInteger(a) : null;
            if (amount == null || amount.compareTo(UINT256_LIMIT) >= 0) {
                errors.add(new FieldError(pointer + "/cumulativeAmount", "must be a decimal string of wei, "
                        + "0 <= amount < 2^256, got " + show(node.get("cumulativeAmount"))));
                amount = null;
            }
        }
        Eip712Domain domain = null;
        JsonNode d = node.get("domain");
        String dp = pointer + "/domain";
        if (d == null || !d.isObject()) {
            errors.add(new FieldError(dp, "must be an EIP-712 domain object {name, version, chainId, verifyingContract}, got "
                    + show(d)));
        } else {
            String name = string(d, dp, "name", errors);
            String version = string(d, dp, "version", errors);
            JsonNode id = d.get("chainId");
            Long chainId = null;
            if (id == null || !id.isIntegralNumber() || !id.canConvertToLong() || id.longValue() < 0) {
                errors.add(new FieldError(dp + "/chainId", "must be an integer >= 0, got " + show(id)));
            } else {
                chainId = id.longValue();
            }
            EvmAddress contract = address(d, dp, "verifyingContract", errors);
            if (name != null && version != null && chainId != null && contract != null) {
                domain = new Eip712Domain(name, version, chainId, contract);
            }
        }
        byte[] signature = null;
        String sig = string(node, pointer, "signature", errors);
        if (sig != null) {
            if (sig.matches("0x[0-9a-fA-F]{130}")) signature = Hex.decode(sig);
            else errors.add(new FieldError(pointer + "/signature", "must be 0x and 130 hex digits (r ‖ s ‖ v), got "
                    + show(node.get("signature"))));
        }
        if (!errors.isEmpty()) throw new InvalidFieldException(errors);
        return new Envelope(new SignedVoucher(new Voucher(client, payee, amount), signature), domain);
    }

    private static String string(JsonNode obj, String pointer, String field, List<FieldError> errors) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            errors.add(new FieldError(pointer + "/" + field, "is required"));
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FieldError(pointer + "/" + field, "must be a string, got " + show(v)));
            return null;
        }
        return v.textValue();
    }

    private static EvmAddress address(JsonNode obj, String pointer, String field, List<FieldError> errors) {
        String s = string(obj, pointer, field, errors);
        if (s == null) return null;
        if (!s.matches("0x[0-9a-fA-F]{40}")) {
            errors.add(new FieldError(pointer + "/" + field, "must be an address, 0x and 40 hex digits, got " + show(obj.get(field))));
            return null;
        }
        try {
            return EvmAddress.parse(s);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(pointer + "/" + field, "must carry a valid EIP-55 checksum (or be all lower case), got " + s));
            return null;
        }
    }

    private static String show(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        String s = v.isTextual() ? "'" + v.textValue() + "'" : v.toString();
        return s.length() <= 140 ? s : s.substring(0, 137) + "...";
    }
}
