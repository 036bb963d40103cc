package io.verity.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.NodeScripts;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.json.ReceiptJson;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Runs ethers 6 (protocol/src/test/js/eip712-check.mjs) on receipts we sign: verifyTypedData must recover our
 * node address and TypedDataEncoder.hash must equal our receipt id.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptEthersInteropTest {
    static final long SEED = 0x7e717_1L;

    @Test
    void ethers_recovers_our_node_address_and_computes_our_receipt_id() throws Exception {
        Random r = new Random(SEED);
        SecureRandom keys = SecureRandom.getInstance("SHA1PRNG");
        keys.setSeed(SEED);
        List<SignedReceipt> receipts = new ArrayList<>();
        ArrayNode request = new ObjectMapper().createArrayNode();
        for (int i = 0; i < 24; i++) {
            NodeKey key = NodeKey.generate(keys);
            Eip712Domain domain = i % 3 == 0 ? Eip712Domain.LOCAL
                    : Eip712Domain.verity(1 + r.nextInt(1_000_000), randomAddress(r));
            SignedReceipt signed = SignedReceipt.sign(SampleReceipts.random(r, key.address()), domain, key);
            receipts.add(signed);
            request.add(ReceiptJson.write(signed));
        }
        assertThat(receipts).anyMatch(s -> s.receipt().price().bitLength() > 64);
        assertThat(receipts).anyMatch(s -> s.receipt().engine().contains("🙂"));

        JsonNode answer = new ObjectMapper().readTree(NodeScripts.run("eip712-check.mjs", request.toString()));
        assertThat(answer.size()).isEqualTo(receipts.size());
        for (int i = 0; i < receipts.size(); i++) {
            SignedReceipt signed = receipts.get(i);
            assertThat(EvmAddress.parse(answer.get(i).get("recovered").asText()))
                    .as("signer of receipt %d (seed %d)", i, SEED).isEqualTo(signed.receipt().node());
            assertThat(Keccak256.parse(answer.get(i).get("id").asText())).as("id of receipt %d", i).isEqualTo(signed.id());
        }
    }

    static EvmAddress randomAddress(Random r) {
        byte[] b = new byte[20];
        r.nextBytes(b);
        return EvmAddress.wrap(b);
    }
}
