package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.fixture.LocalChain;
import io.verity.client.UnverifiedAnswerException;
import io.verity.protocol.wire.AnswerVerdict;
import io.verity.client.VerifiedAnswer;
import io.verity.client.VerityClient;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.gateway.routing.NodeState;
import io.verity.node.InferenceNode;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.testing.TestPaths;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway over three real staked nodes on a real chain, driven through its HTTP API. The tests share the
 * network and do not depend on each other's order (a node going away: {@link GatewayFailoverIT}).
 */
class GatewayIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger PRICE = BigInteger.TEN.pow(12);

    @TempDir static Path dir;
    @RegisterExtension static final LocalNetwork net = network();
    static LocalChain devnet;
    static Path deploymentFile;
    static List<InferenceNode> nodes;
    static Gateway gateway;
    static HttpClient http;

    /** Three nodes, node i at i × PRICE, and a gateway paying from dev account 4. */
    static LocalNetwork network() {
        return LocalNetwork.builder().nodes(3).node((i, c) -> c.withPrice(PRICE.multiply(BigInteger.valueOf(i))))
                .gateway(g -> g.refreshInterval(Duration.ofMillis(500)).quarantine(Duration.ofMinutes(5))).build();
    }

    @BeforeAll
    static void start() {
        devnet = net.chain();
        deploymentFile = devnet.deploymentFile();
        nodes = net.nodes();
        gateway = net.gateway();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stop() {
        if (http != null) http.close();
    }

    static String vadRequest(String policy) {
        StringBuilder samples = new StringBuilder();
        for (int i = 0; i < 512; i++) samples.append(i > 0 ? "," : "").append((float) (0.5 * Math.sin(2 * Math.PI * 220 * i / 16000.0)));
        return "{\"model\":\"silero-vad\"," + (policy == null ? "" : "\"policy\":\"" + policy + "\",")
                + "\"inputs\":[{\"name\":\"input\",\"dtype\":\"float32\",\"shape\":[1,512],\"data\":[" + samples + "]},"
                + "{\"name\":\"state\",\"dtype\":\"float32\",\"shape\":[2,1,128],\"b64\":\""
                + java.util.Base64.getEncoder().encodeToString(new byte[2 * 128 * 4]) + "\"},"
                + "{\"name\":\"sr\",\"dtype\":\"int64\",\"shape\":[],\"data\":[16000]}]}";
    }

    record Response(int status, String type, JsonNode body) {}

    static Response post(String body) throws Exception {
        return post(http, gateway, body);
    }

    static Response post(HttpClient http, Gateway gateway, String body) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), JSON.readTree(r.body()));
    }

    static JsonNode get(String path) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(gateway.url().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static Eip712Domain domain() {
        return Eip712Domain.verity(devnet.chainId(), devnet.deployment().settlement());
    }

    static List<SignedReceipt> receipts(JsonNode body) {
        List<SignedReceipt> out = new ArrayList<>();
        for (int i = 0; i < body.get("receipts").size(); i++) out.add(ReceiptJson.read(body.get("receipts").get(i), "/receipts/" + i));
        return out;
    }

    @Test
    void discoversTheStakedNodesAndTheirModels() throws Exception {
        JsonNode ns = get("/v1/nodes").get("nodes");
        assertThat(ns).hasSize(3);
        Set<String> expected = new HashSet<>();
        for (InferenceNode n : nodes) expected.add(n.address().toString());
        Set<String> seen = new HashSet<>();
        for (JsonNode n : ns) {
            seen.add(n.get("address").asText());
            assertThat(n.get("healthy").asBoolean()).as("%s", n).isTrue();
            assertThat(n.get("models").get(0).asText()).isEqualTo("silero-vad@5");
        }
        assertThat(seen).isEqualTo(expected);
        JsonNode models = get("/v1/models").get("models");
        assertThat(models).hasSize(1);
        assertThat(models.get(0).get("nodes")).hasSize(3);
        assertThat(get("/health").get("healthy").asInt()).isEqualTo(3);
    }

    @Test
    void policyNoneAnswersWithOneVerifiedReceiptAndPaysThatNode() throws Exception {
        Response r = post(vadRequest(null));
        assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
        assertThat(r.body().get("policy").asText()).isEqualTo("none");
        List<SignedReceipt> rs = receipts(r.body());
        assertThat(rs).hasSize(1);
        assertThat(rs.get(0).verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(r.body().get("verdict").get("status").asText()).isEqualTo("single");
        JsonNode pay = r.body().get("payments");
        assertThat(pay).hasSize(1);
        assertThat(pay.get(0).get("node").asText()).isEqualTo(rs.get(0).receipt().node().toString());
        assertThat(new BigInteger(pay.get(0).get("amount").asText())).isEqualTo(rs.get(0).receipt().price());
        assertThat(rs.get(0).receipt().requestId().toHex()).isEqualTo(r.body().get("requestId").asText());

        // The voucher reaches the node, which holds the cumulative amount and redeems it on chain.
        EvmAddress node = rs.get(0).receipt().node();
        BigInteger cumulative = new BigInteger(pay.get(0).get("cumulativeAmount").asText());
        URI nodeUrl = nodes.stream().filter(n -> n.address().equals(node)).findFirst().orElseThrow().url();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode held = JSON.readTree(http.send(HttpRequest.newBuilder(nodeUrl.resolve("/v1/vouchers/"
                    + gateway.clientAccount().orElseThrow())).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body());
            assertThat(new BigInteger(held.get("cumulativeAmount").asText())).isEqualTo(cumulative);
            assertThat(new BigInteger(held.get("redeemed").asText())).isEqualTo(cumulative);
        });
    }

    @Test
    void redundantTwoReturnsTwoAgreeingReceiptsFromDistinctNodes() throws Exception {
        Response r = post(vadRequest("redundant:2"));
        assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
        List<SignedReceipt> rs = receipts(r.body());
        assertThat(rs).hasSize(2);
        assertThat(rs.get(0).receipt().node()).isNotEqualTo(rs.get(1).receipt().node());
        assertThat(rs.get(0).receipt().outputsDigest()).isEqualTo(rs.get(1).receipt().outputsDigest());
        assertThat(rs.get(0).receipt().requestId()).isEqualTo(rs.get(1).receipt().requestId());
        for (SignedReceipt s : rs) assertThat(s.verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
        JsonNode v = r.body().get("verdict");
        assertThat(v.get("status").asText()).isEqualTo("agreed");
        assertThat(v.get("agreeing").asInt()).isEqualTo(2);
        assertThat(r.body().get("payments")).hasSize(2);
    }

    @Test
    void badRequestsAreProblemsNamingTheField() throws Exception {
        Response bad = post(vadRequest("redundant:1"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.type()).startsWith("application/problem+json");
        assertThat(bad.body().get("errors").get(0).get("pointer").asText()).isEqualTo("/policy");

        Response unknown = post(vadRequest(null).replace("silero-vad", "no-such-model"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("detail").asText()).contains("no-such-model");

        Response tooMany = post(vadRequest("redundant:4"));
        assertThat(tooMany.status()).isEqualTo(503);
        assertThat(tooMany.body().get("detail").asText()).contains("redundant:4").contains("3 available");

        // A shape the model does not accept: the node says so and the gateway relays it instead of failing over.
        Response shape = post(vadRequest(null).replace("\"shape\":[1,512]", "\"shape\":[2,256]"));
        assertThat(shape.status()).as("%s", shape.body()).isBetween(400, 499);
        assertThat(shape.body().toString()).contains("/inputs");

        Response garbage = post("{not json");
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.body().get("type").asText()).endsWith("malformed-json");
    }

    @Test
    void theJavaSdkVerifiesTheGatewaysAnswersAndFailsClosed() throws Exception {
        List<Tensor> inputs = List.of(
                Tensor.ofFloats("input", Shape.of(1, 512), new float[512]),
                Tensor.ofFloats("state", Shape.of(2, 1, 128), new float[256]),
                Tensor.ofLongs("sr", Shape.of(), 16000));
        try (VerityClient sdk = VerityClient.builder(gateway.url()).trust(domain()).build()) {
            VerifiedAnswer none = sdk.infer("silero-vad", inputs, Policy.NONE);
            assertThat(none.receipts()).hasSize(1);
            VerifiedAnswer two = sdk.infer("silero-vad", inputs, new Policy.Redundant(2));
            assertThat(two.receipts()).hasSize(2);
            assertThat(two.payments()).hasSize(2);
            VerifiedAnswer sampled = sdk.infer("silero-vad", inputs, new Policy.Sample(0.5));
            assertThat(sampled.verdict().status()).isEqualTo(AnswerVerdict.Status.SAMPLED);
        }
        // Trusting another chain's domain, the same honest answers must be refused.
        try (VerityClient wrongChain = VerityClient.builder(gateway.url())
                .trust(Eip712Domain.verity(1, devnet.deployment().settlement())).build()) {
            assertThatThrownBy(() -> wrongChain.infer("silero-vad", inputs,
                    Policy.NONE)).isInstanceOf(UnverifiedAnswerException.class);
        }
    }

    @Test
    void everyMetricsPagePassesPromtool() throws Exception {
        // after traffic, so counters, histograms and per-node series exist
        assertThat(post(vadRequest("redundant:2")).status()).isEqualTo(200);
        StringBuilder pages = new StringBuilder();
        for (URI base : List.of(gateway.url(), net.node(1).url())) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("# TYPE");
            assertThat(io.verity.testing.Promtool.check(r.body())).as("promtool check metrics of %s/metrics", base).isEmpty();
            pages.append(r.body());
        }
        // every series the operator's alerts name is one these pages export (docs/alerts.yml, docs/operate.md)
        String rules = Files.readString(io.verity.testing.TestPaths.repoRoot().resolve("docs/alerts.yml"));
        var names = java.util.regex.Pattern.compile("verity_[a-z0-9_]+").matcher(rules).results()
                .map(java.util.regex.MatchResult::group).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
        assertThat(names).contains("verity_gateway_peer_stake_wei", "verity_gateway_min_stake_wei",
                "verity_node_payment_unpaid_wei", "verity_node_receipts_pending");
        for (String name : names) {
            assertThat(pages).as("docs/alerts.yml names %s", name).containsPattern("(?m)^" + name + "[{ ]");
        }
        // the stake alert's two sides: NodeRegistry's minimum, and each node's stake (the fixture stakes the minimum)
        try (var chain = io.verity.chain.contracts.ChainClients.connect(devnet.deployment(), io.verity.chain.ChainAccount.READ_ONLY)) {
            double min = chain.nodes().minStake().doubleValue();
            assertThat(sample(pages, "verity_gateway_min_stake_wei ")).isEqualTo(min);
            assertThat(sample(pages, "verity_gateway_peer_stake_wei{node=\"" + net.node(1).address() + "\"} "))
                    .isEqualTo(chain.nodes().stakeOf(net.node(1).address()).doubleValue()).isGreaterThanOrEqualTo(min);
        }
    }

    /** The value of the one sample whose line starts with {@code prefix} (name and labels) in a /metrics page. */
    private static double sample(CharSequence page, String prefix) {
        return page.toString().lines().filter(l -> l.startsWith(prefix)).map(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no sample " + prefix + " in\n" + page));
    }

    @Test
    void twoGatewaysOnOneClientAccountContinueEachOthersChannels() throws Exception {
        // A second gateway paying from the same account: neither keeps the channel's total, the nodes do, so
        // no voucher is replayed and every promise lands. The policy comes in the header this time.
        java.util.Map<EvmAddress, BigInteger> paidBefore = new java.util.HashMap<>();
        await().atMost(Duration.ofSeconds(30)).until(gateway::paymentsDelivered);
        for (InferenceNode n : nodes) {
            JsonNode held = JSON.readTree(http.send(HttpRequest.newBuilder(n.url().resolve("/v1/vouchers/"
                    + gateway.clientAccount().orElseThrow())).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body());
            paidBefore.put(n.address(), new BigInteger(held.get("cumulativeAmount").asText()));
        }
        try (Gateway second = Gateway.start(GatewayConfig.builder(dir.resolve("gateway2"), deploymentFile)
                .clientKey(devnet.account(4).privateKeyHex()).refreshInterval(Duration.ofMillis(500)).build())) {
            java.util.Map<EvmAddress, BigInteger> promised = new java.util.HashMap<>();
            for (int i = 0; i < 8; i++) {
                Gateway g = i % 2 == 0 ? gateway : second;
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(g.url().resolve("/v1/infer"))
                        .header("Content-Type", "application/json").header("Verity-Policy", "redundant:2")
                        .POST(HttpRequest.BodyPublishers.ofString(vadRequest(null))).build(), HttpResponse.BodyHandlers.ofByteArray());
                JsonNode body = JSON.readTree(r.body());
                assertThat(r.statusCode()).as("%s", body).isEqualTo(200);
                assertThat(body.get("policy").asText()).isEqualTo("redundant:2");
                for (JsonNode p : body.get("payments")) {
                    promised.merge(EvmAddress.parse(p.get("node").asText()), new BigInteger(p.get("amount").asText()), BigInteger::add);
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.paymentsDelivered() && second.paymentsDelivered());
            for (InferenceNode n : nodes) {
                JsonNode held = JSON.readTree(http.send(HttpRequest.newBuilder(n.url().resolve("/v1/vouchers/"
                        + gateway.clientAccount().orElseThrow())).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body());
                BigInteger before = paidBefore.getOrDefault(n.address(), BigInteger.ZERO);
                assertThat(new BigInteger(held.get("cumulativeAmount").asText()).subtract(before))
                        .as("node %s holds exactly what both gateways promised it", n.address())
                        .isEqualTo(promised.getOrDefault(n.address(), BigInteger.ZERO));
            }
        }
    }
}
