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
import java.util.function.BiFunction;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Runs ethers 6 (protocol/src/test/js/eip712-check.mjs) on receipts we sign: verifyTypedData must recover our
 * node address and TypedDataEncoder.hash must equal our receipt id; v2 receipts also through viem.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptEthersInteropTest {
    static final long SEED = 0x7e717_1L;

    @Test
    void ethers_recovers_our_node_address_and_computes_our_receipt_id() throws Exception {
        List<SignedReceipt> receipts = signed(24, SampleReceipts::random);
        assertThat(receipts).anyMatch(s -> s.receipt().price().bitLength() > 64);
        assertThat(receipts).anyMatch(s -> s.receipt().engine().contains("🙂"));

        JsonNode answer = new ObjectMapper().readTree(NodeScripts.run("eip712-check.mjs", json(receipts)));
        assertThat(answer.size()).isEqualTo(receipts.size());
        for (int i = 0; i < receipts.size(); i++) {
            SignedReceipt signed = receipts.get(i);
            assertThat(EvmAddress.parse(answer.get(i).get("recovered").asText()))
                    .as("signer of receipt %d (seed %d)", i, SEED).isEqualTo(signed.receipt().node());
            assertThat(Keccak256.parse(answer.get(i).get("id").asText())).as("id of receipt %d", i).isEqualTo(signed.id());
        }
    }

    /**
     * Receipt v2 (protocol/src/test/js/receipt-v2-check.mjs): viem's hashTypedData and recoverTypedDataAddress,
     * and ethers, each given the nested ReceiptV2 type and a message built from the JSON, must give our id and
     * our node address.
     */
    @Test
    void viem_and_ethers_compute_our_v2_receipt_id_and_recover_our_node() throws Exception {
        List<SignedReceipt> receipts = signed(16, SampleReceipts::randomV2);
        assertThat(receipts).anyMatch(s -> s.receipt().v2().cumulativeAmount().bitLength() > 64);
        assertThat(receipts).anyMatch(s -> s.receipt().v2().requestedModel().contains("🙂"));
        assertThat(receipts).anyMatch(s -> !s.receipt().v2().prevReceipt().equals(Keccak256.ZERO));

        JsonNode answer = new ObjectMapper().readTree(NodeScripts.run("receipt-v2-check.mjs", json(receipts)));
        assertThat(answer.size()).isEqualTo(receipts.size());
        for (int i = 0; i < receipts.size(); i++) {
            SignedReceipt signed = receipts.get(i);
            for (String lib : List.of("viem", "ethers")) {
                assertThat(Keccak256.parse(answer.get(i).get(lib + "Id").asText()))
                        .as("%s id of receipt %d (seed %d)", lib, i, SEED).isEqualTo(signed.id());
                assertThat(EvmAddress.parse(answer.get(i).get(lib + "Signer").asText()))
                        .as("%s signer of receipt %d", lib, i).isEqualTo(signed.receipt().node());
            }
        }
    }

    /** {@code n} seeded receipts, each by its own key, under the local domain or a random one. */
    static List<SignedReceipt> signed(int n, BiFunction<Random, EvmAddress, Receipt> sample) throws Exception {
        Random r = new Random(SEED);
        SecureRandom keys = SecureRandom.getInstance("SHA1PRNG");
        keys.setSeed(SEED);
        List<SignedReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NodeKey key = NodeKey.generate(keys);
            Eip712Domain domain = i % 3 == 0 ? Eip712Domain.LOCAL
                    : Eip712Domain.verity(1 + r.nextInt(1_000_000), randomAddress(r));
            receipts.add(SignedReceipt.sign(sample.apply(r, key.address()), domain, key));
        }
        return receipts;
    }

    static String json(List<SignedReceipt> receipts) {
        ArrayNode a = new ObjectMapper().createArrayNode();
        receipts.forEach(s -> a.add(ReceiptJson.write(s)));
        return a.toString();
    }

    static EvmAddress randomAddress(Random r) {
        byte[] b = new byte[20];
        r.nextBytes(b);
        return EvmAddress.wrap(b);
    }
}
