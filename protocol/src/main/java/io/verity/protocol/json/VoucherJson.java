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
        o.set("domain", ReceiptJson.writeDomain(e.domain()));
        o.put("signature", Hex.encode(e.signed().signature()));
        return o;
    }

    /**
     * @param pointer the JSON Pointer of {@code node} in its document ("" for the root)
     * @throws InvalidFieldException listing every malformed field
     */
    public static Envelope read(JsonNode node, String pointer) {
        if (node == null || !node.isObject()) {
            throw new InvalidFieldException(pointer, "must be a voucher object {client, node, cumulativeAmount, domain, "
                    + "signature}, got " + Json.show(node));
        }
        FieldErrors errors = new FieldErrors();
        EvmAddress client = Json.address(node, pointer, "client", errors);
        EvmAddress payee = Json.address(node, pointer, "node", errors);
        BigInteger amount = null;
        String a = Json.string(node, pointer, "cumulativeAmount", errors);
        if (a != null) {
            amount = a.matches("[0-9]{1,78}") ? new BigInteger(a) : null;
            if (amount == null || amount.compareTo(UINT256_LIMIT) >= 0) {
                errors.add(pointer + "/cumulativeAmount", "must be a decimal string of wei, "
                        + "0 <= amount < 2^256, got " + Json.show(node.get("cumulativeAmount")));
                amount = null;
            }
        }
        Eip712Domain domain = null;
        JsonNode d = node.get("domain");
        String dp = pointer + "/domain";
        if (d == null || !d.isObject()) {
            errors.add(dp, "must be an EIP-712 domain object {name, version, chainId, verifyingContract}, got " + Json.show(d));
        } else {
            String name = Json.string(d, dp, "name", errors);
            String version = Json.string(d, dp, "version", errors);
            JsonNode id = d.get("chainId");
            Long chainId = null;
            if (id == null || !id.isIntegralNumber() || !id.canConvertToLong() || id.longValue() < 0) {
                errors.add(dp + "/chainId", "must be an integer >= 0, got " + Json.show(id));
            } else {
                chainId = id.longValue();
            }
            EvmAddress contract = Json.address(d, dp, "verifyingContract", errors);
            if (name != null && version != null && chainId != null && contract != null) {
                domain = new Eip712Domain(name, version, chainId, contract);
            }
        }
        byte[] signature = null;
        String sig = Json.string(node, pointer, "signature", errors);
        if (sig != null) {
            if (sig.matches("0x[0-9a-fA-F]{130}")) signature = Hex.decode(sig);
            else errors.add(pointer + "/signature", "must be 0x and 130 hex digits (r ‖ s ‖ v), got "
                    + Json.show(node.get("signature")));
        }
        errors.throwIfAny();
        return new Envelope(new SignedVoucher(new Voucher(client, payee, amount), signature), domain);
    }
}
