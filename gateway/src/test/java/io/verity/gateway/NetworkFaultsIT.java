package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.TxOutcome;
import io.verity.chain.fixture.LocalChain;
import io.verity.gateway.ChildNodes.NodeProcess;
import io.verity.chain.TxOutcome;
import io.verity.gateway.http.GatewayApi;
import io.verity.gateway.routing.NodeState;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.PayerAuth;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network faults through a real gateway, with nodes as child JVMs (so one can be SIGKILLed) on one anvil:
 * a node killed under load, byzantine nodes caught under {@code redundant:2} and {@code sample:p}, a slow
 * node routed around and hedged, a node whose registration lapses dropped. The tests run in order on one
 * network and gateway; nodes join as the scenarios need them, so each scenario sees only its own faults.
 * The requests until detection are written to {@code target/network-faults.json}.
 */
class NetworkFaultsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Honest nodes' price. Faulty nodes are cheaper, so routing prefers them: the worst case for the client. */
    static final BigInteger PRICE = BigInteger.TEN.pow(12);
    static final BigInteger CHEAP = BigInteger.TEN.pow(11);
    static final BigInteger CHEAPEST = BigInteger.TEN.pow(10).multiply(BigInteger.valueOf(5));
    static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
    static final int SLOW_MS = 300;
    // Dev accounts: 0 deployed the contracts, nodes 1..6, a second gateway 7, the main gateway's client 9.
    static final int H1 = 1, H2 = 2, H3 = 3, BYZ_REDUNDANT = 4, BYZ_SAMPLE = 5, SLOW = 6, GATEWAY2 = 7, CLIENT = 9;

    @TempDir static Path dir;
    @RegisterExtension static final LocalChain devnet = LocalChain.perClass();
    static Path deploymentFile;
    static Gateway gateway;
    static HttpClient http;
    static ChainClients chain;
    static final Map<Integer, NodeProcess> nodes = Collections.synchronizedMap(new HashMap<>());
    static final ExecutorService starter = Executors.newVirtualThreadPerTaskExecutor();
    static final Map<String, Object> report = Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    static ChildNodes children;

    @BeforeAll
    static void start() throws Exception {
        deploymentFile = devnet.deploymentFile();
        children = new ChildNodes(dir, devnet::account, deploymentFile, ChildNodes::sileroVad);
        chain = ChainClients.connect(devnet.deployment(), devnet.account(0));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        startAll(List.of(H1, H2, H3), List.of(), PRICE);
        gateway = Gateway.start(GatewayConfig.builder(dir.resolve("gateway"), deploymentFile)
                .clientKey(devnet.account(CLIENT).privateKeyHex()).deposit(BigInteger.TEN.pow(18))
                .refreshInterval(Duration.ofMillis(300)).requestTimeout(Duration.ofSeconds(3))
                .quarantine(Duration.ofMinutes(10)).build());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        nodes.values().forEach(n -> n.process().destroyForcibly());
        starter.shutdownNow();
        if (chain != null) chain.close();
        ChildNodes.writeReport("network-faults.json", report);
    }

    // ---- node processes ------------------------------------------------------------------------------------

    static void startAll(List<Integer> accounts, List<String> flags, BigInteger price) {
        List<CompletableFuture<NodeProcess>> fs = new ArrayList<>();
        for (int a : accounts) fs.add(CompletableFuture.supplyAsync(() -> startNode(a, 0, price, flags), starter));
        fs.forEach(f -> {
            NodeProcess n = f.join();
            nodes.put(n.account(), n);
        });
    }

    /** Starts (or restarts, same home, key and port) a node JVM and waits for its READY line. */
    static NodeProcess startNode(int account, int port, BigInteger price, List<String> flags) {
        return children.start(account, port, price, flags);
    }

    /**
     * Stops a caught node. It re-stakes after a slash, so a gateway without this one's quarantine (the fresh
     * one of the hedge test) would route to it again.
     */
    static void retire(NodeProcess n) throws InterruptedException {
        n.process().destroyForcibly();
        n.process().waitFor();
    }

    static NodeProcess node(int account) {
        return nodes.get(account);
    }

    /** Waits until the gateway routes to {@code n} (registered, healthy, serving the model). */
    static void awaitRoutable(NodeProcess n) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode entry = nodeEntry(n.address());
            assertThat(entry).as("gateway lists %s", n.address()).isNotNull();
            assertThat(entry.get("healthy").asBoolean() && entry.get("registered").asBoolean()).as("%s", entry).isTrue();
            assertThat(entry.get("models")).isNotEmpty();
        });
    }

    /**
     * The cheapest node, answering {@code SLOW_MS} late. Each test that needs it starts it and retires it, so
     * no other test is routed to it.
     */
    static NodeProcess startSlowNode() {
        NodeProcess slow = startNode(SLOW, 0, CHEAPEST, List.of("--fault-latency-ms", Integer.toString(SLOW_MS)));
        nodes.put(SLOW, slow);
        awaitRoutable(slow); // registered and healthy: a gateway started now finds it
        return slow;
    }

    /** Kills the slow node and waits until the gateway no longer counts it healthy. */
    static void retireSlowNode(NodeProcess slow) throws Exception {
        retire(slow);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            gateway.refreshNow();
            JsonNode entry = nodeEntry(slow.address());
            assertThat(entry == null || !entry.get("healthy").asBoolean()).as("%s", entry).isTrue();
        });
    }

    // ---- HTTP --------------------------------------------------------------------------------------------

    static String vadRequest(String policy) {
        return GatewayIT.vadRequest(policy);
    }

    record Response(int status, JsonNode body, long ms) {
        List<SignedReceipt> receipts() {
            List<SignedReceipt> out = new ArrayList<>();
            for (int i = 0; i < body.get("receipts").size(); i++) out.add(ReceiptJson.read(body.get("receipts").get(i), "/receipts/" + i));
            return out;
        }

        boolean attempted(EvmAddress node) {
            for (JsonNode a : body.path("attempts")) if (a.get("node").asText().equals(node.toString())) return true;
            return false;
        }

        boolean answeredBy(EvmAddress node) {
            for (SignedReceipt r : receipts()) if (r.receipt().node().equals(node)) return true;
            return false;
        }
    }

    static Response post(Gateway g, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(g.url().resolve("/v1/infer")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        long start = System.nanoTime();
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), JSON.readTree(r.body()), (System.nanoTime() - start) / 1_000_000);
    }

    static Response post(String policy) throws Exception {
        Response r = post(gateway, vadRequest(policy), Map.of());
        assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
        return r;
    }

    static JsonNode get(URI base, String path) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET %s%s: %s", base, path, new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static JsonNode nodeEntry(EvmAddress address) throws Exception {
        for (JsonNode n : get(gateway.url(), "/v1/nodes").get("nodes")) if (n.get("address").asText().equals(address.toString())) return n;
        return null;
    }

    static List<JsonNode> evidence(EvmAddress node, String kind) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : get(gateway.url(), "/v1/evidence").get("evidence")) {
            if (e.get("node").asText().equals(node.toString()) && e.get("kind").asText().equals(kind)) out.add(e);
        }
        return out;
    }

    static Eip712Domain domain() {
        return Eip712Domain.verity(devnet.chainId(), devnet.deployment().settlement());
    }

    static BigInteger held(NodeProcess n) throws Exception {
        return new BigInteger(get(n.url(), "/v1/vouchers/" + gateway.clientAccount().orElseThrow()).get("cumulativeAmount").asText());
    }

    // ---- 1. kill -9 under load ------------------------------------------------------------------------------

    @Test
    void a_node_killed_under_load_costs_no_request_and_every_answer_is_paid_once_and_settled() throws Exception {
        for (int a : List.of(H1, H2, H3)) awaitRoutable(node(a));
        List<Response> responses = Collections.synchronizedList(new ArrayList<>());
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        Duration load = Duration.ofSeconds(10);
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            clients.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        Response r = post(gateway, vadRequest(null), Map.of());
                        if (r.status() == 200) responses.add(r); else failures.add(r.status() + " " + r.body());
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        Thread.sleep(load.toMillis() / 2);
        NodeProcess victim = node(H1);
        int beforeKill = responses.size();
        victim.process().destroyForcibly(); // SIGKILL: no shutdown hook, in-flight requests die with it
        victim.process().waitFor();
        Thread.sleep(load.toMillis() / 2);
        running.set(false);
        for (Thread c : clients) c.join();
        int afterKill = responses.size() - beforeKill;
        assertThat(failures).as("failed client requests").isEmpty();
        assertThat(afterKill).as("requests answered after the kill").isPositive();
        Map<EvmAddress, BigInteger> paid = new HashMap<>();
        Map<EvmAddress, List<SignedReceipt>> byNode = new HashMap<>();
        int failedOver = 0;
        for (Response r : responses) {
            List<SignedReceipt> rs = r.receipts();
            assertThat(rs).hasSize(1);
            assertThat(rs.get(0).verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
            byNode.computeIfAbsent(rs.get(0).receipt().node(), k -> new ArrayList<>()).add(rs.get(0));
            JsonNode pay = r.body().get("payments");
            assertThat(pay).as("one payment, to the node that answered: %s", r.body()).hasSize(1);
            assertThat(pay.get(0).get("node").asText()).isEqualTo(rs.get(0).receipt().node().toString());
            paid.merge(rs.get(0).receipt().node(), new BigInteger(pay.get(0).get("amount").asText()), BigInteger::add);
            if (r.body().get("attempts").size() > 1) failedOver++;
        }
        System.out.printf("kill: %d requests (%d after the kill), %d failed over, 0 failed; per node %s%n", responses.size(),
                afterKill, failedOver, byNode.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().size()).toList());
        report.put("kill", Map.of("requests", responses.size(), "afterKill", afterKill, "failedOver", failedOver, "failed", 0));
        assertThat(byNode.keySet()).as("every node answered some requests").hasSize(3);

        // The killed node comes back with the same home, key and port; it holds every voucher it acknowledged
        // and receives the ones the gateway kept retrying while it was down.
        NodeProcess back = startNode(H1, victim.url().getPort(), PRICE, victim.flags());
        nodes.put(H1, back);
        await().atMost(Duration.ofSeconds(30)).until(gateway::paymentsDelivered);
        for (int a : List.of(H1, H2, H3)) {
            NodeProcess n = node(a);
            assertThat(held(n)).as("voucher held by node %d = sum of payments in responses", a)
                    .isEqualTo(paid.getOrDefault(n.address(), BigInteger.ZERO));
        }

        // Every answered receipt is settled: its node serves the proof and Settlement agrees.
        for (int a : List.of(H1, H2, H3)) {
            NodeProcess n = node(a);
            ChildNodes.assertAllSettled(http, chain, n, byNode.get(n.address()), SETTLE_TIMEOUT);
        }
    }

    // ---- 2. byzantine under redundant:2 ---------------------------------------------------------------------

    @Test
    void a_byzantine_node_is_outvoted_under_redundant_2_quarantined_and_slashed_for_equivocation() throws Exception {
        NodeProcess byz = startNode(BYZ_REDUNDANT, 0, CHEAP, List.of("--fault-perturb", "1"));
        nodes.put(BYZ_REDUNDANT, byz);
        try {
            awaitRoutable(byz);
            BigInteger burnedBefore = chain.nodes().burned();
            int requests = 0, asked = 0;
            boolean caught = false;
            while (!caught && requests < 40) {
                Response r = post("redundant:2");
                requests++;
                if (r.attempted(byz.address())) asked++;
                assertThat(r.answeredBy(byz.address())).as("the byzantine node's receipt is never returned: %s", r.body()).isFalse();
                assertThat(r.receipts()).hasSizeGreaterThanOrEqualTo(2);
                for (SignedReceipt s : r.receipts()) assertThat(s.verify(domain())).isInstanceOf(ReceiptVerdict.Verified.class);
                for (JsonNode d : r.body().get("verdict").get("dissent")) caught |= d.get("node").asText().equals(byz.address().toString());
                if (caught) assertThat(r.body().get("verdict").get("status").asText()).isEqualTo("majority");
            }
            assertThat(caught).as("caught within %d redundant:2 requests", requests).isTrue();
            System.out.printf("redundant:2: byzantine node caught at request %d (it was asked in %d of them)%n", requests, asked);
            report.put("redundant2", Map.of("requestsUntilDetection", requests, "byzantineAsked", asked));

            assertThat(nodeEntry(byz.address()).has("quarantinedUntil")).as("%s", nodeEntry(byz.address())).isTrue();
            List<JsonNode> minority = evidence(byz.address(), "minority");
            assertThat(minority).hasSize(1);
            assertThat(minority.get(0).get("accused").get(0).get("node").asText()).isEqualTo(byz.address().toString());
            assertThat(minority.get(0).get("majority")).hasSizeGreaterThanOrEqualTo(2);
            for (int i = 0; i < 10; i++) {
                Response r = post("redundant:2");
                assertThat(r.attempted(byz.address())).as("quarantined node not asked: %s", r.body()).isFalse();
                assertThat(r.body().get("verdict").get("status").asText()).isEqualTo("agreed");
            }
            // Re-asked once, a perturbing node signs a second, different answer to the same request: equivocation,
            // reported on chain and slashed below the minimum stake, so every gateway drops it.
            JsonNode eq = await().atMost(Duration.ofSeconds(30)).until(() -> {
                List<JsonNode> es = evidence(byz.address(), "equivocation");
                return es.isEmpty() ? null : es.get(0);
            }, e -> e != null);
            assertThat(eq.get("slashTx").asText()).startsWith("0x");
            assertThat(eq.get("accused")).hasSize(2);
            // The slash burns part of the stake. The node then tops its stake back up to the minimum by itself (its
            // next batch commit is refused as unstaked), so the lasting signals are the burn and this gateway's quarantine.
            BigInteger burnedAfter = chain.nodes().burned();
            assertThat(burnedAfter).as("stake burned by the slash").isGreaterThan(burnedBefore);
            assertThat(nodeEntry(byz.address()).has("quarantinedUntil")).isTrue();
            String log = Files.readString(dir.resolve("gateway").resolve("evidence.jsonl"));
            assertThat(log).contains("\"kind\":\"minority\",\"node\":\"" + byz.address())
                    .contains("\"kind\":\"equivocation\",\"node\":\"" + byz.address());
            report.put("redundant2Slash", Map.of("burnedWei", burnedAfter.subtract(burnedBefore).toString(),
                    "slashTx", eq.get("slashTx").asText()));
        } finally {
            retire(byz); // quarantined here for 10 minutes: no other test is routed to it
        }
    }

    // ---- 3. byzantine under sample:p ------------------------------------------------------------------------

    @Test
    void a_byzantine_node_is_caught_by_sample_audits() throws Exception {
        NodeProcess byz = startNode(BYZ_SAMPLE, 0, CHEAP, List.of("--fault-perturb", "1"));
        nodes.put(BYZ_SAMPLE, byz);
        try {
            // Warm its engine first: the gateway only re-measures a node it routes to, so one cold first answer
            // (model load) would make it look slow and starve it of the traffic an audit needs. On the gateway's client's
            // account (a node serves no unnamed payer), within the node's credit.
            for (int i = 0; i < 3; i++) {
                HttpResponse<byte[]> w = http.send(HttpRequest.newBuilder(byz.url().resolve("/v1/infer"))
                        .header(io.verity.protocol.json.VoucherJson.PAYER_HEADER, gateway.clientAccount().orElseThrow().toString())
                        .header(PayerAuth.HEADER, PayerAuth.sign(devnet.account(CLIENT).key(), byz.address(), System.currentTimeMillis()).header())
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(vadRequest(null)))
                        .build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(w.statusCode()).isEqualTo(200);
            }
            BigInteger burnedBefore = chain.nodes().burned();
            awaitRoutable(byz);
            List<String> requestIds = new ArrayList<>();
            int served = 0;
            JsonNode caught = null;
            while (caught == null && requestIds.size() < 80) {
                Response r = post("sample:0.3");
                requestIds.add(r.body().get("requestId").asText());
                assertThat(r.body().get("verdict").get("status").asText()).isEqualTo("sampled");
                if (r.answeredBy(byz.address())) served++;
                List<JsonNode> es = evidence(byz.address(), "audit-mismatch");
                if (!es.isEmpty()) caught = es.get(0);
            }
            System.out.printf("sample:0.3: %d requests, the byzantine node served %d%n", requestIds.size(), served);
            if (caught == null) { // the last audit may still be running
                caught = await().atMost(Duration.ofSeconds(10)).until(() -> {
                    List<JsonNode> es = evidence(byz.address(), "audit-mismatch");
                    return es.isEmpty() ? null : es.get(0);
                }, e -> e != null);
            }
            int auditedAt = requestIds.indexOf(caught.get("requestId").asText()) + 1;
            assertThat(auditedAt).as("the caught request is one of ours").isPositive();
            System.out.printf("sample:0.3: byzantine node caught by the audit of request %d (evidence seen after %d requests;"
                    + " it served %d of them)%n", auditedAt, requestIds.size(), served);
            report.put("sample0.3", Map.of("requestsUntilDetection", auditedAt, "requestsUntilEvidenceSeen", requestIds.size(),
                    "byzantineServed", served));
            assertThat(caught.get("majority")).hasSize(2);
            assertThat(nodeEntry(byz.address()).has("quarantinedUntil")).isTrue();
            for (int i = 0; i < 10; i++) {
                Response r = post("sample:0.3");
                assertThat(r.answeredBy(byz.address())).as("quarantined node not used: %s", r.body()).isFalse();
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<JsonNode> es = evidence(byz.address(), "equivocation");
                assertThat(es).isNotEmpty();
                assertThat(es.get(0).get("slashTx").asText()).startsWith("0x");
            });
            assertThat(chain.nodes().burned()).as("stake burned by the slash").isGreaterThan(burnedBefore);
            assertThat(Files.readString(dir.resolve("gateway").resolve("evidence.jsonl")))
                    .contains("\"kind\":\"audit-mismatch\",\"node\":\"" + byz.address());
        } finally {
            retire(byz);
        }
    }

    // ---- 4. slow node --------------------------------------------------------------------------------------

    @Test
    void a_slow_node_is_routed_around() throws Exception {
        NodeProcess slow = startSlowNode();
        try {
            for (int i = 0; i < 10; i++) post(null); // warm-up: the gateway measures every node, the slow one included
            assertThat(nodeEntry(slow.address()).get("latencyMs").asDouble()).as("measured latency").isGreaterThanOrEqualTo(SLOW_MS);
            int n = 40, bySlow = 0;
            for (int i = 0; i < n; i++) if (post(null).answeredBy(slow.address())) bySlow++;
            System.out.printf("slow: the %d ms node answered %d of %d requests after warm-up%n", SLOW_MS, bySlow, n);
            report.put("slow", Map.of("addedLatencyMs", SLOW_MS, "answered", bySlow, "of", n));
            assertThat(bySlow).as("share of the slow node").isLessThan(n / 5);
        } finally {
            retireSlowNode(slow);
        }
    }

    @Test
    void a_hedge_keeps_a_request_routed_to_a_slow_node_fast() throws Exception {
        NodeProcess slow = startSlowNode();
        // A fresh gateway has measured nobody, so it ranks by price and tries the cheapest node, the slow one, first.
        try (Gateway fresh = Gateway.start(GatewayConfig.builder(dir.resolve("gateway2"), deploymentFile)
                .clientKey(devnet.account(GATEWAY2).privateKeyHex()).deposit(BigInteger.TEN.pow(17))
                .refreshInterval(Duration.ofMillis(300)).requestTimeout(Duration.ofSeconds(3)).build())) {
            // A node checks a payer it has never seen against the chain once (is there a deposit?): let the honest
            // nodes meet this gateway's client first, so the hedge measures answering, not that one-time read.
            for (int h : List.of(H1, H2, H3)) {
                HttpResponse<byte[]> w = http.send(HttpRequest.newBuilder(node(h).url().resolve("/v1/infer"))
                        .header("Content-Type", "application/json")
                        .header(io.verity.protocol.json.VoucherJson.PAYER_HEADER, devnet.account(GATEWAY2).address().toString())
                        .header(PayerAuth.HEADER, PayerAuth.sign(devnet.account(GATEWAY2).key(), node(h).address(), System.currentTimeMillis()).header())
                        .POST(HttpRequest.BodyPublishers.ofString(vadRequest(null))).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(w.statusCode()).as("node %d meets the client: %s", h, new String(w.body())).isEqualTo(200);
            }
            // A lost hedge is not measured, so the slow node stays first in this gateway and every request hedges;
            // the first one also pays the gateway's own warm-up.
            Response r = null;
            JsonNode slowAttempt = null;
            for (int i = 0; i < 3; i++) {
                r = post(fresh, vadRequest(null), Map.of(GatewayApi.HEDGE_HEADER, "50"));
                assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
                slowAttempt = null;
                for (JsonNode a : r.body().get("attempts")) if (a.get("node").asText().equals(slow.address().toString())) slowAttempt = a;
                assertThat(slowAttempt).as("the slow node was asked first: %s", r.body()).isNotNull();
                assertThat(slowAttempt.get("outcome").asText()).as("%s", r.body()).isIn("cancelled", "unused");
                assertThat(r.answeredBy(slow.address())).isFalse();
                JsonNode pay = r.body().get("payments");
                assertThat(pay).as("only the hedge that answered is paid").hasSize(1);
                assertThat(pay.get(0).get("node").asText()).isNotEqualTo(slow.address().toString());
                assertThat(r.receipts().get(0).receipt().node()).as("an honest node answered the hedge")
                        .isIn(node(H1).address(), node(H2).address(), node(H3).address());
            }
            System.out.printf("hedge: answered in %d ms by a hedge; the %d ms node's attempt: %s%n", r.ms(), SLOW_MS, slowAttempt);
            report.put("hedge", Map.of("clientMs", r.ms(), "slowAttempt", slowAttempt.get("outcome").asText()));
            // The abandoned call must not count against the slow node as load forever.
            NodeState s = fresh.directory().get(slow.address()).orElseThrow();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(s.inflight.get()).isZero());
        } finally {
            retireSlowNode(slow);
        }
    }

    // ---- 5. registration lapses ----------------------------------------------------------------------------

    @Test
    void a_node_that_exits_the_registry_is_dropped() throws Exception {
        NodeProcess leaving = node(H2);
        try (ChainClients own = ChainClients.connect(devnet.deployment(), devnet.account(H2))) {
            assertThat(own.nodes().exit()).isInstanceOf(TxOutcome.Confirmed.class);
        }
        gateway.refreshNow();
        JsonNode entry = nodeEntry(leaving.address());
        assertThat(entry.get("registered").asBoolean()).as("%s", entry).isFalse();
        assertThat(get(gateway.url(), "/v1/models").get("models").get(0).get("nodes").toString())
                .doesNotContain(leaving.address().toString());
        for (int i = 0; i < 20; i++) {
            Response r = post(i % 2 == 0 ? null : "redundant:2");
            assertThat(r.attempted(leaving.address())).as("no request to the lapsed node: %s", r.body()).isFalse();
        }
        // only a start registers an exited node again: restart it, so the other tests have their three honest nodes
        retire(leaving);
        NodeProcess back = startNode(H2, leaving.url().getPort(), PRICE, leaving.flags());
        nodes.put(H2, back);
        awaitRoutable(back);
    }
}
