package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.contracts.SettlementClient;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.VoucherJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.protocol.receipt.Voucher;
import io.verity.testing.TestPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our receipts, batch roots and vouchers, checked by viem, ethers and @openzeppelin/merkle-tree
 * (chain/src/test/js/interop.mjs) against the same anvil.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class InteropIT extends DevnetTestBase {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void viem_ethers_and_openzeppelin_agree_with_our_ids_roots_proofs_and_signatures(@TempDir Path dir) throws Exception {
        NodeRegistryIT.registerNode(1, ether(1)).confirmed();
        TestReceipts receipts = new TestReceipts(42);
        List<SignedReceipt> rs = new ArrayList<>();
        List<Keccak256> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            SignedReceipt signed = signed(1, receipts.receipt(addr(1)));
            rs.add(signed);
            ids.add(signed.id());
        }
        TestMerkle tree = new TestMerkle(ids);
        long batchId = SettlementClient.committedBatchId(settlement(1).commitBatch(tree.root(), 7, "http://n/b/0").confirmed());
        SignedVoucher voucher = payments(3).sign(new Voucher(addr(3), addr(1), new java.math.BigInteger("1234567890123")));

        ObjectNode input = JSON.createObjectNode();
        input.put("rpc", devnet.rpcUrl());
        input.put("chainId", devnet.chainId());
        input.put("settlement", deployment.settlement().toString());
        input.put("payments", deployment.payments().toString());
        input.put("batchId", batchId);
        ArrayNode arr = input.putArray("receipts"); // the wire JSON, as nodes serve receipts and clients send vouchers
        for (SignedReceipt r : rs) arr.add(ReceiptJson.write(r));
        input.set("voucher", VoucherJson.write(new VoucherJson.Envelope(voucher,
                VoucherJson.domain(devnet.chainId(), deployment.payments()))));
        Path in = dir.resolve("input.json");
        JSON.writeValue(in.toFile(), input);

        JsonNode out = runNode(TestPaths.repoRoot().resolve("chain/src/test/js/interop.mjs"), in);

        assertThat(EvmAddress.parse(out.get("eventNode").asText())).isEqualTo(addr(1));
        assertThat(Keccak256.parse(out.get("eventRoot").asText())).isEqualTo(tree.root());
        assertThat(out.get("eventCount").asInt()).isEqualTo(7);
        assertThat(out.get("eventUri").asText()).isEqualTo("http://n/b/0");
        assertThat(Keccak256.parse(out.get("treeRoot").asText())).as("OpenZeppelin's root").isEqualTo(tree.root());
        List<Keccak256> jsIds = new ArrayList<>();
        out.get("ids").forEach(n -> jsIds.add(Keccak256.parse(n.asText())));
        assertThat(jsIds).as("ethers' EIP-712 digests").isEqualTo(ids);
        out.get("signers").forEach(n -> assertThat(EvmAddress.parse(n.asText())).isEqualTo(addr(1)));
        out.get("included").forEach(n -> assertThat(n.asBoolean()).isTrue());
        for (int i = 0; i < ids.size(); i++) {
            List<Keccak256> jsProof = new ArrayList<>();
            out.get("proofs").get(i).forEach(n -> jsProof.add(Keccak256.parse(n.asText())));
            assertThat(jsProof).as("proof %d", i).isEqualTo(tree.proof(ids.get(i)));
        }
        assertThat(EvmAddress.parse(out.get("voucherSigner").asText())).isEqualTo(addr(3));
    }

    static JsonNode runNode(Path script, Path input) throws Exception {
        Process p = new ProcessBuilder("node", script.toString(), input.toString(), TestPaths.nodeModules().toString())
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node finished").isTrue();
        assertThat(p.exitValue()).as("node exit code; stderr:\n%s", stderr).isZero();
        return JSON.readTree(new String(stdout, StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow());
    }
}
