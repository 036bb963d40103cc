package io.verity.explorer.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.testing.TestPaths;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explorer's in-browser verifier (static/verify.js, run under Node by src/test/js/verify-receipts.mjs) on
 * receipts Java signed: v1 and v2 (docs/receipts.md) pass format, digest, signature and domain; a v2 receipt
 * whose served model was changed after signing fails its digest and signature.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class VerifyJsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final NodeKey KEY = NodeKey.fromPrivateKey("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    static final EvmAddress SETTLEMENT = EvmAddress.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");

    @TempDir Path dir;

    @Test
    void the_browser_verifier_checks_v1_and_v2_receipts_and_catches_a_changed_served_model() throws Exception {
        Eip712Domain domain = Eip712Domain.verity(31337, SETTLEMENT);
        Keccak256 h = Keccak256.hash(new byte[] {1});
        Receipt v1 = new Receipt(1, h, h, "openai-proxy/1", h, h, Keccak256.ZERO, KEY.address(), Keccak256.ZERO,
                VerificationMode.NONE, BigInteger.valueOf(68_000), 1_764_000_000_000L);
        Receipt v2 = v1.withV2(new ReceiptV2("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "https://api.openai.com/v1", 12, 30,
                KEY.address(), BigInteger.TEN.pow(20), h, Keccak256.ZERO));
        ObjectNode swapped = ReceiptJson.write(SignedReceipt.sign(v2, domain, KEY));
        swapped.put("servedModel", "gpt-3.5-turbo");
        ObjectNode input = JSON.createObjectNode();
        input.putObject("chain").put("chainId", 31337).put("settlement", SETTLEMENT.toString());
        input.putArray("receipts").add(ReceiptJson.write(SignedReceipt.sign(v1, domain, KEY)))
                .add(ReceiptJson.write(SignedReceipt.sign(v2, domain, KEY))).add(swapped.without("id"));

        JsonNode out = run(input);
        for (int i = 0; i < 2; i++) {
            for (String step : new String[] {"format", "digest", "signature", "domain"}) {
                assertThat(step(out.get(i), step).get("ok").asBoolean()).as("receipt %d, %s: %s", i, step, step(out.get(i), step)).isTrue();
            }
        }
        assertThat(step(out.get(1), "format").get("detail").asText()).isEqualTo("receipt version 2, verification none, asked for "
                + "\"gpt-4o-mini\", served by \"gpt-4o-mini-2024-07-18\" at https://api.openai.com/v1, 12 + 30 tokens");
        assertThat(step(out.get(2), "signature").get("ok").asBoolean()).isFalse();
    }

    static JsonNode step(JsonNode steps, String name) {
        for (JsonNode s : steps) if (s.get("step").asText().equals(name)) return s;
        throw new AssertionError("no step " + name + " in " + steps);
    }

    JsonNode run(JsonNode input) throws Exception {
        Path in = Files.writeString(dir.resolve("in.json"), input.toString());
        Path out = dir.resolve("out.json");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder("node", TestPaths.repoRoot().resolve("explorer/src/test/js/verify-receipts.mjs")
                .toString(), in.toString()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("NODE_PATH", TestPaths.nodeModules().toString());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        return JSON.readTree(Files.readString(out));
    }
}
