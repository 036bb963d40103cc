package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.NodeAttestation;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.fixture.LocalChain;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.NodeEvidence;
import io.verity.node.fixture.StakedNodes;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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
    /** Two local nodes without evidence; the gateway is this class's own (a tee policy, no payments). */
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(2).withoutGateway().build();
    static LocalChain devnet;
    static List<InferenceNode> nodes;
    static Gateway gateway;
    static HttpClient http;
    static ChainConnection owner;
    static NodeRegistryClient registry;

    @BeforeAll
    static void start() throws Exception {
        devnet = net.chain();
        nodes = net.nodes();
        owner = devnet.connect(0); // deployed the contracts, so owns NodeRegistry
        registry = new NodeRegistryClient(owner, devnet.deployment().nodeRegistry());
        Path policy = Files.writeString(dir.resolve("tee-policy.json"), "{\"allowedMeasurements\": [{\"PCR0\": \"0x" + PCR0
                + "\", \"PCR1\": \"0x" + PCR1 + "\", \"PCR2\": \"0x" + PCR2 + "\"}], \"allowDebug\": false}");
        GatewayConfig config = GatewayMain.parse(new String[] {"--home", dir.resolve("gateway").toString(), "--deployment",
                devnet.deploymentFile().toString(), "--refresh-ms", "300", "--tee-policy", policy.toString()});
        gateway = Gateway.start(GatewayConfig.builder(config.home(), config.deploymentFile())
                .refreshInterval(config.refreshInterval()).tee(config.tee().withVerifyAt(N1_AT)).build());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (owner != null) owner.close();
        if (http != null) http.close();
    }

    interface WithNitro {
        void run(InferenceNode nitro) throws Exception;
    }

    /**
     * Runs {@code test} with a third node (dev account 3) presenting N1, its measurement on NodeRegistry's
     * allowlist, once the gateway has verified it up to key-binding; afterwards the node is closed and the chain
     * reverted, so the other tests see the two local nodes only.
     */
    static void withNitroNode(WithNitro test) throws Exception {
        String before = devnet.snapshot();
        try {
            registry.allowMeasurement("nitro", N1_MEASUREMENT).confirmed();
            Path home = dir.resolve("nitro-" + System.nanoTime());
            StakedNodes.installVad(home);
            try (InferenceNode nitro = StakedNodes.start(devnet, NodeConfig.defaults(home)
                    .withChainSettings(StakedNodes.chainSettings(devnet, 3).withBatching(64, Duration.ofMillis(500)))
                    .withAttestation(NodeEvidence.read(N1, List.of())))) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(attestationOf(nitro).path("step").asText()).as(attestationOf(nitro).toString()).isEqualTo("key-binding"));
                test.run(nitro);
            }
        } finally {
            devnet.revertTo(before);
        }
    }

    /** The addresses the gateway lists as registered (it keeps listing a node that left, as unregistered). */
    static List<String> registered() throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/nodes")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        List<String> out = new ArrayList<>();
        JSON.readTree(r.body()).get("nodes").forEach(n -> {
            if (n.get("registered").asBoolean()) out.add(n.get("address").asText());
        });
        return out;
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
    void local_nodes_show_attestation_none_and_a_tee_request_is_a_503_naming_each() throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(registered()).as("the two local nodes only").hasSize(2);
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
    void a_node_with_real_nitro_evidence_verifies_up_to_the_allowlist_and_is_rejected_at_key_binding() throws Exception {
        withNitroNode(nitro -> {
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
        });
    }

    @Test
    void withdrawing_the_measurement_from_the_registry_allowlist_rejects_the_node_there() throws Exception {
        withNitroNode(nitro -> {
            registry.removeMeasurement("nitro", N1_MEASUREMENT).confirmed();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(attestationOf(nitro).path("step").asText()).isEqualTo("measurement-allowlist"));
            assertThat(attestationOf(nitro).get("reason").asText()).isEqualTo("measurement digest " + N1_MEASUREMENT
                    + " of this nitro evidence is not on NodeRegistry's allowlist for nitro (0 allowed)");
        });
    }
}
