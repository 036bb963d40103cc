package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.attestation.EvidenceKind;
import io.verity.node.fixture.StakedNodes;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.testing.TestPaths;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /v1/attestation and the receipts' attestationDigest: a node given real Nitro evidence serves it byte for
 * byte and signs its digest; a node without evidence says "none" and signs the zero digest.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeAttestationIT {
    static final Path N1 = TestPaths.attestationVectors().resolve("nitro/opengradient-og-evm-2026-02-12.b64");
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void a_node_with_evidence_serves_it_and_signs_its_digest_into_receipts(@TempDir Path home) throws Exception {
        StakedNodes.installVad(home);
        NodeConfig config = NodeMain.parse(new String[] {"--home", home.toString(), "--port", "0", "--attestation", N1.toString()});
        Keccak256 digest = Keccak256.hash(Files.readAllBytes(N1));
        assertThat(config.attestation().orElseThrow().kind()).isEqualTo(EvidenceKind.AWS_NITRO);
        try (InferenceNode node = InferenceNode.start(config)) {
            var a = NodeFixture.get(http, node.url(), "/v1/attestation");
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.body().get("kind").asText()).isEqualTo("nitro");
            assertThat(a.body().get("digest").asText()).isEqualTo(digest.toString());
            assertThat(a.body().get("node").asText()).isEqualTo(node.address().toString());
            assertThat(Base64.getDecoder().decode(a.body().get("evidence").asText())).isEqualTo(Files.readAllBytes(N1));
            assertThat(a.body().get("extras")).isEmpty();

            var r = NodeFixture.post(http, node.url(), "/v1/infer", NodeFixture.vadRequest(null), "application/json");
            SignedReceipt receipt = ReceiptJson.read(r.body().get("receipt"), "/receipt");
            assertThat(receipt.receipt().attestationDigest()).isEqualTo(digest);
            assertThat(NodeFixture.get(http, node.url(), "/health").body().get("attestation").asText()).isEqualTo("nitro");
        }
    }

    @Test
    void a_node_without_evidence_says_none_and_signs_the_zero_digest(@TempDir Path home) throws Exception {
        StakedNodes.installVad(home);
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home))) {
            var a = NodeFixture.get(http, node.url(), "/v1/attestation");
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.body().get("kind").asText()).isEqualTo("none");
            assertThat(a.body().get("digest").asText()).isEqualTo(Keccak256.ZERO.toString());
            assertThat(a.body().has("evidence")).isFalse();
            var r = NodeFixture.post(http, node.url(), "/v1/infer", NodeFixture.vadRequest(null), "application/json");
            assertThat(ReceiptJson.read(r.body().get("receipt"), "/receipt").receipt().attestationDigest().isZero()).isTrue();
        }
    }

    @Test
    void attestation_flags_refuse_what_is_not_evidence(@TempDir Path dir) throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.txt"), "hello");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--attestation", junk.toString()}))
                .hasMessageStartingWith("--attestation " + junk + " is not TEE evidence Verity knows");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--attestation-with", junk.toString()}))
                .hasMessage("--attestation-with needs --attestation");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--attestation", dir.resolve("missing").toString()}))
                .hasMessageStartingWith("--attestation " + dir.resolve("missing") + " cannot be read");
    }
}
