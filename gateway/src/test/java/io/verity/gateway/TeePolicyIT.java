package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainConnection;
import io.verity.chain.devnet.Devnet;
import io.verity.chain.contracts.NodeAttestation;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.NodeEvidence;
import io.verity.node.hub.ModelHub;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.Keccak256;
import io.verity.testing.TestPaths;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code tee} policy end to end on the local network: a real chain, real nodes, a gateway with a
 * {@code --tee-policy} file. Local nodes have no enclave, so no node can honestly pass: the test shows (a) local
 * nodes are listed as attestation none and a tee request is a 503, and (b) a node presenting real AWS Nitro
 * evidence (vector N1, verified at its own time like {@code verity attest verify --at}) passes the chain,
 * signature, debug, measurement-policy and registry-allowlist checks and is rejected at key-binding, because
 * that document binds its publisher's key, not the node's. The positive routing decision is in
 * {@link TeeGateTest} (with a stubbed binding, said so there).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayNameGeneration(ReplaceUnderscores.class)
class TeePolicyIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path N1 = TestPaths.attestationVectors().resolve("nitro/opengradient-og-evm-2026-02-12.b64");
    static final Instant N1_AT = Instant.parse("2026-02-12T18:00:00Z");
    /** N1's PCR0..2 (MANIFEST.md); the nitro measurement digest is keccak256 of their concatenation. */
    static final String PCR0 = "9baef83909784e4d2cb84466c02931bb8125e948b62029029e80bfa1698bfd7069408e4ab20d1c99c859e8f774cce0ff";
    static final String PCR1 = "4b4d5b3661b3efc12920900c80e126e4ce783c522de6c02a2a5bf7af3a2b9327b86776f188e4be1c1c404a129dbda493";
    static final String PCR2 = "769925c8ae0c5c2d1aa86de149213b1c5dec642557bf0c426c6581f0e562a042d1c7d2578443515d103f74ce55337666";
    static final Keccak256 N1_MEASUREMENT = Keccak256.hash(java.util.HexFormat.of().parseHex(PCR0 + PCR1 + PCR2));

    @TempDir static Path dir;
    static Devnet devnet;
    static Path deploymentFile;
    static final List<InferenceNode> nodes = new ArrayList<>();
    static Gateway gateway;
    static HttpClient http;
    static ChainConnection owner;
    static NodeRegistryClient registry;

    @BeforeAll
    static void start() throws Exception {
        devnet = Devnet.builder().stateDir(dir.resolve("chain")).start();
        deploymentFile = dir.resolve("deployment.json");
        devnet.deployment().write(deploymentFile);
        owner = devnet.connect(0); // deployed the contracts, so owns NodeRegistry
        registry = new NodeRegistryClient(owner, devnet.deployment().nodeRegistry());
        for (int i = 1; i <= 2; i++) nodes.add(startNode(i, Optional.empty()));
        Path policy = Files.writeString(dir.resolve("tee-policy.json"), "{\"allowedMeasurements\": [{\"PCR0\": \"0x" + PCR0
                + "\", \"PCR1\": \"0x" + PCR1 + "\", \"PCR2\": \"0x" + PCR2 + "\"}], \"allowDebug\": false}");
        GatewayConfig config = GatewayMain.parse(new String[] {"--home", dir.resolve("gateway").toString(), "--deployment",
                deploymentFile.toString(), "--refresh-ms", "300", "--tee-policy", policy.toString()});
        gateway = Gateway.start(GatewayConfig.builder(config.home(), config.deploymentFile())
                .refreshInterval(config.refreshInterval()).tee(config.tee().withVerifyAt(N1_AT)).build());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    static InferenceNode startNode(int account, Optional<Path> evidence) throws Exception {
        Path home = dir.resolve("node" + account);
        new ModelHub(home.resolve("models")).add(TestPaths.nodeModules().resolve("@ricky0123/vad-web/dist/silero_vad_v5.onnx"),
                "silero-vad", "5", "MIT", "npm:@ricky0123/vad-web");
        NodeConfig c = NodeConfig.defaults(home).withChainSettings(ChainSettings.of(deploymentFile)
                .withAccountKey(devnet.account(account).privateKeyHex()).withBatching(64, Duration.ofMillis(500))
                .withMaxBackoff(Duration.ofMillis(500)));
        if (evidence.isPresent()) c = c.withAttestation(NodeEvidence.read(evidence.get(), List.of()));
        return InferenceNode.start(c);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        nodes.forEach(InferenceNode::close);
        if (owner != null) owner.close();
        if (devnet != null) devnet.close();
    }

    record Response(int status, String type, JsonNode body) {}

    static Response infer(String policy) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayIT.vadRequest(policy))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), JSON.readTree(r.body()));
    }

    static JsonNode attestationOf(InferenceNode node) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/nodes")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        for (JsonNode n : JSON.readTree(r.body()).get("nodes")) {
            if (n.get("address").asText().equals(node.address().toString())) return n.get("attestation");
        }
        return JSON.createObjectNode().put("status", "not listed");
    }

    @Test
    @Order(1)
    void local_nodes_show_attestation_none_and_a_tee_request_is_a_503_naming_each() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (InferenceNode n : nodes) assertThat(attestationOf(n).get("status").asText()).isEqualTo("none");
        });
        Response r = infer("tee");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.type()).startsWith("application/problem+json");
        assertThat(r.body().get("type").asText()).isEqualTo("urn:verity:problem:no-attested-node");
        assertThat(r.body().get("errors")).hasSize(2);
        for (InferenceNode n : nodes) {
            assertThat(r.body().get("detail").asText()).contains(n.address() + ": attestation none (no TEE evidence)");
        }
        assertThat(infer("none").status()).as("other policies are untouched").isEqualTo(200);
    }

    @Test
    @Order(2)
    void a_node_with_real_nitro_evidence_verifies_up_to_the_allowlist_and_is_rejected_at_key_binding() throws Exception {
        registry.allowMeasurement("nitro", N1_MEASUREMENT).confirmed();
        InferenceNode nitro = startNode(3, Optional.of(N1));
        nodes.add(nitro);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(attestationOf(nitro).path("step").asText()).as(attestationOf(nitro).toString()).isEqualTo("key-binding"));
        JsonNode a = attestationOf(nitro);
        assertThat(a.get("status").asText()).isEqualTo("rejected");
        assertThat(a.get("reason").asText()).isEqualTo("user_data[0..20) expected " + nitro.address().toString().toLowerCase()
                + " (the node's key binding), got 0x1220b735546536e78ee12beea2d384fcda35f749");
        NodeAttestation onChain = registry.attestation(nitro.address()).orElseThrow();
        assertThat(onChain.kind()).isEqualTo("nitro");
        assertThat(onChain.evidenceDigest()).isEqualTo(Keccak256.hash(Files.readAllBytes(N1)));
        assertThat(onChain.evidenceUri()).isEqualTo(nitro.url() + "/v1/attestation");

        Response r = infer("tee");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body().get("errors")).hasSize(3);
        assertThat(r.body().get("detail").asText()).contains(nitro.address() + ": attestation rejected at key-binding: ");
        assertThat(infer("none").status()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void withdrawing_the_measurement_from_the_registry_allowlist_rejects_the_node_there() throws Exception {
        InferenceNode nitro = nodes.get(2);
        registry.removeMeasurement("nitro", N1_MEASUREMENT).confirmed();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(attestationOf(nitro).path("step").asText()).isEqualTo("measurement-allowlist"));
        assertThat(attestationOf(nitro).get("reason").asText()).isEqualTo("measurement digest " + N1_MEASUREMENT
                + " of this nitro evidence is not on NodeRegistry's allowlist for nitro (0 allowed)");
    }
}
