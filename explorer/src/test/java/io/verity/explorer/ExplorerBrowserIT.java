package io.verity.explorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.fixture.LocalChain;
import io.verity.gateway.Gateway;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.InferenceNode;
import io.verity.protocol.json.TensorJson;
import io.verity.testing.RealInputs;
import io.verity.testing.TestPaths;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explorer in a real headless Chromium over a running local network: anvil, three staked nodes serving
 * Silero VAD, a gateway, and the explorer following them. The browser part is explorer/src/test/js/
 * explorer-e2e.mjs (playwright-core driving Debian's chromium; both installed by {@code ./verity test});
 * screenshots land in explorer/target/screenshots.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ExplorerBrowserIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger PRICE = BigInteger.TEN.pow(12);

    @TempDir static Path dir;
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(3).batching(64, Duration.ofMillis(300))
            .node((i, c) -> c.withPrice(PRICE.multiply(BigInteger.valueOf(i)))).build();
    static LocalChain devnet;
    static List<InferenceNode> nodes;
    static Gateway gateway;
    static ExplorerServer explorer;

    @BeforeAll
    static void explorer() {
        devnet = net.chain();
        nodes = net.nodes();
        gateway = net.gateway();
        explorer = ExplorerServer.start(ExplorerConfig.defaults(dir.resolve("explorer"), devnet.deploymentFile())
                .withGateway(gateway.url()).withPollInterval(Duration.ofMillis(200)));
    }

    @AfterAll
    static void stop() {
        if (explorer != null) explorer.close();
    }

    static String vadRequest(String policy) {
        ObjectNode body = JSON.createObjectNode().put("model", "silero-vad").put("policy", policy);
        RealInputs.sileroVadV5(42).forEach(t -> body.withArray("inputs").add(TensorJson.write(t)));
        return body.toString();
    }

    @Test
    void overview_node_receipt_and_a_tampered_paste_in_headless_chromium() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        Path pwDir = Path.of(System.getenv().getOrDefault("PLAYWRIGHT_CORE_DIR", TestPaths.repoRoot().resolve("tools/node/node_modules").toString()));
        Assumptions.assumeTrue(Files.isExecutable(chromium), chromium + " is missing: ./verity test installs Debian's chromium");
        Assumptions.assumeTrue(Files.isDirectory(pwDir.resolve("playwright-core")),
                "playwright-core is missing in " + pwDir + ": ./verity test installs it into tools/node");

        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> JSON.readTree(http.send(HttpRequest.newBuilder(
                gateway.url().resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()).body()).path("healthy").asInt() == 3);
        JsonNode answer = null;
        int receipts = 0;
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/infer")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(vadRequest("redundant:2"))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            answer = JSON.readTree(r.body());
            receipts += answer.get("receipts").size();
        }
        int expected = receipts;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> s = http.send(HttpRequest.newBuilder(explorer.url().resolve("/api/status")).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(s.body()).get("receipts").asInt() >= expected;
        });

        Path work = Files.createDirectories(dir.resolve("e2e"));
        Path valid = work.resolve("answer.json");
        Files.writeString(valid, answer.toPrettyString());
        ObjectNode tampered = answer.get("receipts").get(0).deepCopy();
        String digest = tampered.get("outputsDigest").asText();
        tampered.put("outputsDigest", digest.substring(0, digest.length() - 1) + (digest.endsWith("0") ? "1" : "0"));
        Path bad = work.resolve("tampered.json");
        Files.writeString(bad, tampered.toPrettyString());
        Path shots = Files.createDirectories(TestPaths.repoRoot().resolve("explorer/target/screenshots"));

        Path script = TestPaths.repoRoot().resolve("explorer/src/test/js/explorer-e2e.mjs");
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), explorer.url().toString(), valid.toString(), bad.toString(), shots.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("e2e.log").toFile());
        pb.environment().put("PLAYWRIGHT_CORE_DIR", pwDir.toString());
        pb.environment().put("CHROMIUM", chromium.toString());
        Process p = pb.start();
        boolean done = p.waitFor(3, TimeUnit.MINUTES);
        if (!done) p.destroyForcibly();
        String log = Files.readString(work.resolve("e2e.log"));
        System.out.println(log);
        assertThat(done).as("browser script finished within 3 minutes:\n" + log).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log).contains("ok: receipt page says VERIFIED", "ok: tampered receipt is REJECTED");
        for (String f : List.of("1-overview.png", "2-node.png", "3-receipt.png", "4-tampered.png", "5-search.png")) {
            assertThat(shots.resolve(f)).isNotEmptyFile();
        }
    }

    @Test
    void node_and_gateway_serve_prometheus_metrics_and_tie_requests_by_id() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> JSON.readTree(http.send(HttpRequest.newBuilder(
                gateway.url().resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()).body()).path("healthy").asInt() == 3);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/infer")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(vadRequest("redundant:2"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String requestId = JSON.readTree(r.body()).get("requestId").asText();
        assertThat(r.headers().firstValue("Verity-Request-Id")).contains(requestId);

        String g = http.send(HttpRequest.newBuilder(gateway.url().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(g).contains("# TYPE verity_gateway_http_requests_seconds histogram")
                .containsPattern("verity_gateway_http_requests_seconds_count\\{method=\"POST\",model=\"silero-vad\",policy=\"redundant\",route=\"/v1/infer\",status=\"200\"} [1-9]")
                .containsPattern("verity_gateway_http_requests_seconds_bucket\\{method=\"POST\",model=\"silero-vad\",policy=\"redundant\",route=\"/v1/infer\",status=\"200\",le=\"[0-9.]+\"} [1-9]")
                .contains("verity_gateway_chain_error 0.0");
        for (InferenceNode n : nodes) assertThat(g).contains("verity_gateway_peer_healthy{node=\"" + n.address() + "\"} 1.0");
        assertThat(g).containsPattern("verity_gateway_peer_latency_seconds\\{node=\"0x[0-9a-fA-F]{40}\"} [0-9.]+");

        long served = 0;
        for (InferenceNode n : nodes) {
            String m = http.send(HttpRequest.newBuilder(n.url().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(m).contains("verity_node_receipts_signed ", "verity_node_receipts_pending ", "verity_node_receipts_settled ");
            var c = java.util.regex.Pattern.compile("verity_node_http_requests_seconds_count\\{method=\"POST\",model=\"0x[0-9a-f]{64}\",route=\"/v1/infer\","
                    + "status=\"200\",verification=\"redundant\"} ([0-9.]+)").matcher(m);
            if (c.find()) served += (long) Double.parseDouble(c.group(1));
        }
        // the gateway asks nodes by model digest, so that is the nodes' label
        assertThat(served).as("inferences the nodes counted").isGreaterThanOrEqualTo(2);
        // a bad request is counted without minting a label from the client's model name
        http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/infer")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"made-up-label\",\"inputs\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
        String after = http.send(HttpRequest.newBuilder(gateway.url().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(after).doesNotContain("made-up-label").containsPattern("route=\"/v1/infer\",status=\"4\\d\\d\"");
    }
}
