package io.verity.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Golden;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.json.ReceiptJson;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Receipts hashed and signed by ethers (golden/eip712/vectors.json, see the README there): our domain separator,
 * hashStruct, receipt id and signature must match byte for byte, and our JSON reader must accept ethers' JSON.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptGoldenTest {
    final JsonNode vectors = Golden.load("eip712/vectors.json").get("receipts");

    @Test
    void the_type_string_is_the_one_ethers_derived_from_the_field_list() {
        StringBuilder type = new StringBuilder("Receipt(");
        for (JsonNode f : Golden.load("eip712/vectors.json").get("types").get("Receipt")) {
            if (type.length() > 8) type.append(',');
            type.append(f.get("type").asText()).append(' ').append(f.get("name").asText());
        }
        assertThat(Eip712.RECEIPT_TYPE).isEqualTo(type.append(')').toString());
    }

    @Test
    void reads_hashes_and_signs_every_ethers_receipt_identically() {
        assertThat(vectors.size()).isGreaterThanOrEqualTo(10);
        for (JsonNode v : vectors) {
            SignedReceipt signed = ReceiptJson.read(v.get("json"), "");
            String id = v.get("json").get("id").asText();
            assertThat(signed.domain().separator()).isEqualTo(Keccak256.parse(v.get("domainSeparator").asText()));
            assertThat(signed.receipt().hashStruct()).as("hashStruct of %s", id)
                    .isEqualTo(Keccak256.parse(v.get("hashStruct").asText()));
            assertThat(signed.id()).isEqualTo(Keccak256.parse(id));
            NodeKey key = NodeKey.fromPrivateKey(v.get("privateKey").asText());
            assertThat(SignedReceipt.sign(signed.receipt(), signed.domain(), key)).as("our signature of %s", id)
                    .isEqualTo(signed);
            assertThat(signed.verify()).isEqualTo(new ReceiptVerdict.Verified(key.address(), signed.id()));
        }
    }

    @Test
    void writes_the_same_json_ethers_side_produced() {
        for (JsonNode v : vectors) {
            SignedReceipt signed = ReceiptJson.read(v.get("json"), "");
            assertThat(ReceiptJson.write(signed).toString()).isEqualTo(v.get("json").toString()); // same text, same field order
        }
    }
}
