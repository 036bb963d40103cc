package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptJsonTest {
    static final NodeKey KEY = NodeKey.fromPrivateKey("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    static final SignedReceipt SIGNED = SignedReceipt.sign(new Receipt(1, Keccak256.hash("req".getBytes()),
            Keccak256.hash("model".getBytes()), "onnxruntime/1.29.0/cpu", Keccak256.hash("in".getBytes()),
            Keccak256.hash("out".getBytes()), Keccak256.ZERO, KEY.address(), Keccak256.ZERO, VerificationMode.SAMPLE,
            BigInteger.ONE.shiftLeft(200), 1_764_000_000_000L), Eip712Domain.LOCAL, KEY);

    static ObjectNode written() {
        return ReceiptJson.write(SIGNED);
    }

    static List<FieldError> errors(JsonNode json) {
        try {
            ReceiptJson.read(json, "/receipt");
        } catch (InvalidFieldException e) {
            return e.errors();
        }
        throw new AssertionError("expected an InvalidFieldException for " + json);
    }

    @Test
    void writes_the_fields_of_the_protocol_doc_in_order_and_reads_them_back() throws Exception {
        ObjectNode json = written();
        assertThat(json.fieldNames()).toIterable().containsExactly("id", "version", "requestId", "modelDigest",
                "engine", "inputsDigest", "outputsDigest", "traceRoot", "node", "attestationDigest", "verification",
                "price", "timestamp", "domain", "signature");
        assertThat(json.get("price").asText()).isEqualTo(BigInteger.ONE.shiftLeft(200).toString());
        assertThat(json.get("verification").asText()).isEqualTo("sample");
        assertThat(json.get("node").asText()).isEqualTo("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        assertThat(json.get("domain").toString()).isEqualTo(
                "{\"name\":\"Verity\",\"version\":\"1\",\"chainId\":31337,\"verifyingContract\":\"0x0000000000000000000000000000000000000000\"}");
        String text = new ObjectMapper().writeValueAsString(json);
        assertThat(ReceiptJson.read(new ObjectMapper().readTree(text), "")).isEqualTo(SIGNED);
    }

    @Test
    void the_streaming_writer_writes_the_same_text() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        try (var g = new ObjectMapper().createGenerator(out)) {
            ReceiptJson.write(g, SIGNED);
        }
        assertThat(out.toString()).isEqualTo(written().toString());
    }

    @Test
    void the_id_may_be_left_out() {
        ObjectNode json = written();
        json.remove("id");
        assertThat(ReceiptJson.read(json, "").id()).isEqualTo(SIGNED.id());
    }

    @Test
    void an_id_that_is_not_the_receipts_digest_is_refused() {
        ObjectNode json = written();
        json.put("timestamp", 1_764_000_000_001L);
        assertThat(errors(json)).containsExactly(new FieldError("/receipt/id",
                "does not match the receipt's EIP-712 digest: expected "
                        + ReceiptJson.read(json.without("id"), "").id() + ", got " + SIGNED.id()));
    }

    @Test
    void names_every_malformed_field() {
        ObjectNode json = written();
        json.put("version", 3);
        json.put("requestId", "0x1234");
        json.put("engine", "");
        json.remove("outputsDigest");
        json.put("node", "0x70997970c51812dc3A010C7d01b50e0d17dc79C8");
        json.put("verification", "tee-ish");
        json.put("price", 5);
        json.put("timestamp", -1);
        ((ObjectNode) json.get("domain")).put("chainId", "31337");
        json.put("signature", "0x00");
        assertThat(errors(json)).containsExactly(
                new FieldError("/receipt/version", "must be 1 or 2, got 3"),
                new FieldError("/receipt/requestId", "must be 0x and 64 hex digits, got '0x1234'"),
                new FieldError("/receipt/engine", "must not be empty"),
                new FieldError("/receipt/outputsDigest", "is required"),
                new FieldError("/receipt/node",
                        "must carry a valid EIP-55 checksum (or be all lower case), got 0x70997970c51812dc3A010C7d01b50e0d17dc79C8"),
                new FieldError("/receipt/verification",
                        "unknown verification mode 'tee-ish', expected one of none, tee, redundant, sample, optimistic"),
                new FieldError("/receipt/price", "must be a string, got 5"),
                new FieldError("/receipt/timestamp", "must be an integer between 0 and 9223372036854775807, got -1"),
                new FieldError("/receipt/domain/chainId",
                        "must be an integer between 0 and 9223372036854775807, got '31337'"),
                new FieldError("/receipt/signature", "must be 0x and 130 hex digits (r ‖ s ‖ v), got '0x00'"));
    }

    @Test
    void a_price_must_be_a_decimal_uint256() {
        for (String bad : List.of("-1", "1e3", "0x10", " 1", BigInteger.ONE.shiftLeft(256).toString())) {
            ObjectNode json = written();
            json.put("price", bad);
            json.remove("id");
            assertThat(errors(json)).containsExactly(new FieldError("/receipt/price",
                    "must be a decimal string of wei, 0 <= price < 2^256, got '" + bad + "'"));
        }
    }

    @Test
    void accepts_an_all_lower_case_node_address() {
        ObjectNode json = written();
        json.put("node", json.get("node").asText().toLowerCase());
        assertThat(ReceiptJson.read(json, "").receipt().node()).isEqualTo(KEY.address());
    }

    @Test
    void a_receipt_must_be_an_object() {
        assertThatThrownBy(() -> ReceiptJson.read(new ObjectMapper().readTree("[1]"), "/receipt"))
                .isInstanceOf(InvalidFieldException.class)
                .hasMessage("/receipt: must be a receipt object, got [1]");
        assertThatThrownBy(() -> ReceiptJson.read(new ObjectMapper().readTree("{\"domain\": 3}"), ""))
                .isInstanceOf(InvalidFieldException.class)
                .hasMessageContaining("/domain: must be an EIP-712 domain object, got 3");
    }

    @Test
    void reading_does_not_vouch_for_the_signature() {
        ObjectNode json = written();
        String sig = json.get("signature").asText();
        json.put("signature", sig.substring(0, 10) + (sig.charAt(10) == '0' ? '1' : '0') + sig.substring(11));
        SignedReceipt read = ReceiptJson.read(json, "");
        assertThat(read.verify().isValid()).isFalse();
        assertThat(read.receipt().node()).isEqualTo(EvmAddress.parse(json.get("node").asText()));
    }
}
