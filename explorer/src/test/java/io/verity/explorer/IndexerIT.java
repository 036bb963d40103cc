package io.verity.explorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainLog;
import io.verity.chain.Deployment;
import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.ChainClients;
import io.verity.explorer.web.Html;
import io.verity.explorer.web.Pages;
import io.verity.chain.fixture.LocalChain;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The indexer against a real anvil: what it stores is exactly what eth_getLogs says the chain holds, after a
 * restart (no gap, no duplicate) and after {@code evm_revert} replaced blocks it had indexed. On embedded H2
 * here; {@link PostgresIndexerIT} runs the same tests on a real PostgreSQL server.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class IndexerIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger ETHER = BigInteger.TEN.pow(18);

    @RegisterExtension static final LocalChain devnet = LocalChain.perTest();
    static HttpClient http = HttpClient.newHttpClient();
    @TempDir Path explorerHome; // each test's own index: no test reads another's
    ExplorerServer explorer;
    Optional<String> jdbcUrl; // this test's database; empty: embedded H2 under explorerHome

    /** A fresh database for one test (kept across the test's restarts); empty for the default, embedded H2. */
    Optional<String> newDatabase() {
        return Optional.empty();
    }

    @BeforeEach
    void chooseDatabase() {
        jdbcUrl = newDatabase();
    }

    /** The explorer's config for this test: its home, the devnet, its database. */
    ExplorerConfig config() {
        return ExplorerConfig.defaults(explorerHome, devnet.deploymentFile()).withJdbcUrl(jdbcUrl.orElse(null));
    }

    @AfterEach
    void stopExplorer() {
        if (explorer != null) explorer.close();
    }

    ExplorerServer startExplorer() {
        explorer = ExplorerServer.start(config().withPollInterval(Duration.ofMillis(100)));
        return explorer;
    }

    static ChainClients as(int account) {
        return ChainClients.connect(devnet.deployment(), devnet.account(account));
    }

    static void confirmed(TxOutcome t) {
        assertThat(t).isInstanceOf(TxOutcome.Confirmed.class);
    }

    /** (block, logIndex, txHash) of every Verity event on chain since deployment. */
    static Set<String> onChain() {
        Deployment d = devnet.deployment();
        try (ChainConnection c = devnet.connect(0)) {
            Set<String> out = new TreeSet<>();
            List<io.verity.protocol.EvmAddress> contracts = new java.util.ArrayList<>(List.of(d.nodeRegistry(), d.modelRegistry(), d.settlement(), d.payments()));
            if (d.disputeGame() != null) contracts.add(d.disputeGame());
            if (d.committeeDisputes() != null) contracts.add(d.committeeDisputes());
            for (ChainLog l : c.logs(contracts, d.deployBlock(), c.blockNumber())) {
                out.add(l.blockNumber() + "/" + l.logIndex() + "/" + l.txHash().toHex() + "/" + l.event().name());
            }
            return out;
        }
    }

    /** The same, as the explorer's API reports it; a duplicate row would make the list longer than the set. */
    Set<String> indexed() throws Exception {
        JsonNode events = get("/api/events?limit=10000").get("events");
        Set<String> out = new TreeSet<>();
        for (JsonNode e : events) out.add(e.get("block").asLong() + "/" + e.get("logIndex").asInt() + "/" + e.get("txHash").asText() + "/" + e.get("name").asText());
        assertThat(out).as("no event stored twice").hasSize(events.size());
        return out;
    }

    String page(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(explorer.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(explorer.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    void awaitIndexMatchesChain() {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> assertThat(indexed()).isEqualTo(onChain()));
    }

    /** Node 1 registered, staked twice, with one batch; client 4 has deposited. Each test starts on a fresh chain. */
    static void registerNodeOneAndFundClientFour() {
        try (ChainClients n1 = as(1); ChainClients client = as(4)) {
            confirmed(n1.nodes().register("http://127.0.0.1:1/", List.of(Keccak256.hash(new byte[] {1})), Keccak256.hash(new byte[0]),
                    BigInteger.valueOf(1000), ETHER));
            confirmed(n1.nodes().topUp(ETHER));
            confirmed(n1.settlement().commitBatch(Keccak256.hash(new byte[] {7}), 3, "http://127.0.0.1:1/v1/batches/x"));
            confirmed(client.payments().deposit(ETHER));
        }
    }

    @Test
    void indexes_registrations_stakes_deposits_and_batches() throws Exception {
        registerNodeOneAndFundClientFour();
        startExplorer();
        awaitIndexMatchesChain();
        List<String> names = new java.util.ArrayList<>();
        get("/api/events?node=" + devnet.account(1).address()).get("events").forEach(e -> names.add(e.get("name").asText()));
        assertThat(names).containsExactly("BatchCommitted", "StakeAdded", "NodeRegistered");
        JsonNode status = get("/api/status");
        assertThat(status.get("batches").asLong()).isEqualTo(1);
        // The batch document cannot be fetched (nothing listens there): shown as not fetched, never invented.
        assertThat(status.get("receipts").asLong()).isZero();
    }

    @Test
    void resumes_after_a_restart_without_gaps_or_duplicates() throws Exception {
        registerNodeOneAndFundClientFour();
        startExplorer();
        awaitIndexMatchesChain();
        long before = explorer.indexedThrough().orElseThrow();
        explorer.close();
        try (ChainClients n1 = as(1)) {
            for (int i = 0; i < 3; i++) confirmed(n1.nodes().topUp(ETHER));
        }
        startExplorer();
        awaitIndexMatchesChain();
        assertThat(explorer.indexedThrough().orElseThrow()).isGreaterThan(before);
        assertThat(indexed()).hasSizeGreaterThanOrEqualTo(7);
    }

    @Test
    void undoes_blocks_that_a_reorg_replaced() throws Exception {
        startExplorer();
        awaitIndexMatchesChain();
        String snapshot = devnet.snapshot();
        try (ChainClients n2 = as(2)) {
            confirmed(n2.nodes().register("http://127.0.0.1:2/", List.of(), Keccak256.hash(new byte[0]), BigInteger.ONE, ETHER));
            confirmed(n2.nodes().topUp(ETHER));
        }
        awaitIndexMatchesChain();
        Set<String> orphaned = indexed();
        assertThat(get("/api/events?node=" + devnet.account(2).address()).get("events")).hasSize(2);

        devnet.revertTo(snapshot);
        try (ChainClients n3 = as(3)) { // a different transaction at the same height as the orphaned register
            confirmed(n3.nodes().register("http://127.0.0.1:3/", List.of(), Keccak256.hash(new byte[0]), BigInteger.TWO, ETHER));
        }
        awaitIndexMatchesChain();
        assertThat(explorer.reorgs()).isGreaterThanOrEqualTo(1);
        assertThat(get("/api/events?node=" + devnet.account(2).address()).get("events")).as("the orphaned node's events are gone").isEmpty();
        assertThat(get("/api/events?node=" + devnet.account(3).address()).get("events")).hasSize(1);
        assertThat(indexed()).isNotEqualTo(orphaned);
    }

    @Test
    void notices_a_revert_that_only_shortened_the_chain() throws Exception {
        registerNodeOneAndFundClientFour();
        startExplorer();
        awaitIndexMatchesChain();
        String snapshot = devnet.snapshot();
        try (ChainClients n1 = as(1)) {
            confirmed(n1.nodes().topUp(ETHER));
        }
        awaitIndexMatchesChain();
        int withTopUp = indexed().size();
        devnet.revertTo(snapshot);
        awaitIndexMatchesChain();
        assertThat(indexed()).hasSize(withTopUp - 1);
    }

    /**
     * Issue 16's record of outcomes for a dispute game: node 1 settles a traced receipt (its batch document served
     * here), account 5 challenges it, the node never moves and loses on timeout, slashed. The outcomes count the
     * game opened and lost and the slash, for the node and for the receipt's model (not the committee dispute also
     * opened on it); with no gateway configured what only a gateway knows is null, not zero.
     */
    @Test
    void counts_a_dispute_game_the_node_lost_for_the_node_and_the_model() throws Exception {
        Keccak256 model = Keccak256.hash(new byte[] {1});
        try (ChainClients n1 = as(1)) {
            confirmed(n1.nodes().register("http://127.0.0.1:1/", List.of(model), Keccak256.ZERO, BigInteger.valueOf(1000), ETHER.multiply(BigInteger.TWO)));
        }
        io.verity.protocol.receipt.Receipt r = new io.verity.protocol.receipt.Receipt(1, Keccak256.hash(new byte[] {2}), model, "verity-det/2",
                Keccak256.hash(new byte[] {3}), Keccak256.hash(new byte[] {4}), Keccak256.hash(new byte[] {5}), devnet.account(1).address(),
                Keccak256.ZERO, io.verity.protocol.receipt.VerificationMode.NONE, BigInteger.valueOf(1000), 1_764_000_000_000L);
        io.verity.protocol.receipt.SignedReceipt signed = io.verity.protocol.receipt.SignedReceipt.sign(r,
                io.verity.protocol.receipt.Eip712Domain.verity(devnet.chainId(), devnet.deployment().settlement()), devnet.account(1).key());
        // a second answer of the same node, served untraced: its game waits for the node's trace, which never comes here
        io.verity.protocol.receipt.SignedReceipt onChallenge = io.verity.protocol.receipt.SignedReceipt.sign(new io.verity.protocol.receipt.Receipt(1,
                Keccak256.hash(new byte[] {12}), model, "verity-det/3", Keccak256.hash(new byte[] {3}), Keccak256.hash(new byte[] {4}),
                io.verity.protocol.receipt.Receipt.TRACE_ON_CHALLENGE, devnet.account(1).address(), Keccak256.ZERO,
                io.verity.protocol.receipt.VerificationMode.NONE, BigInteger.valueOf(1000), 1_764_000_000_000L),
                io.verity.protocol.receipt.Eip712Domain.verity(devnet.chainId(), devnet.deployment().settlement()), devnet.account(1).key());
        io.verity.protocol.merkle.MerkleBatch batch = io.verity.protocol.merkle.MerkleBatch.of(List.of(signed.id(), onChallenge.id()));
        com.sun.net.httpserver.HttpServer documents = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        byte[] document = JSON.createObjectNode().set("receipts", JSON.createArrayNode().add(io.verity.protocol.json.ReceiptJson.write(signed))
                .add(io.verity.protocol.json.ReceiptJson.write(onChallenge)))
                .toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        documents.createContext("/", ex -> {
            ex.sendResponseHeaders(200, document.length);
            try (var out = ex.getResponseBody()) {
                out.write(document);
            }
        });
        documents.start();
        try {
            long batchId;
            try (ChainClients n1 = as(1)) {
                batchId = io.verity.chain.contracts.SettlementClient.committedBatchId(n1.settlement().commitBatch(
                        batch.root(), 2,
                        "http://127.0.0.1:" + documents.getAddress().getPort() + "/v1/batches/0").confirmed());
            }
            try (ChainConnection c = devnet.connect(5)) {
                var games = new io.verity.chain.contracts.DisputeClient(c, devnet.deployment().requireDisputeGame());
                long game = io.verity.chain.contracts.DisputeClient.openedGameId(games.open(signed, batchId, batch.proof(signed.id()), 50,
                        ETHER.divide(BigInteger.TEN)).confirmed());
                devnet.advanceTime(Duration.ofMinutes(11)); // past the node's move deadline (DisputeParams.defaults: 10 min)
                confirmed(games.timeout(game));
                confirmed(games.open(onChallenge, batchId, batch.proof(onChallenge.id()), 50, ETHER.divide(BigInteger.TEN)));
            }
            // the same receipt before a committee too (issue 18): indexed, but no DisputeGame game for the outcomes
            try (ChainClients owner = as(0); ChainConnection c = devnet.connect(6)) {
                confirmed(owner.models().register(model, "http://x/m", "m", "1", io.verity.chain.contracts.ComparisonRule.BIT_EXACT));
                var committee = new io.verity.chain.contracts.CommitteeClient(c, devnet.deployment().requireCommitteeDisputes());
                confirmed(committee.open(signed, batchId, batch.proof(signed.id()), Keccak256.hash(new byte[] {6}), java.net.URI.create("http://x/e"),
                        ETHER.divide(BigInteger.TEN)));
            }
            startExplorer();
            awaitIndexMatchesChain();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(get("/api/outcomes/nodes/" + devnet.account(1).address())
                    .get("receipts").asLong()).as("the batch document was fetched").isEqualTo(2));
            for (String path : List.of("/api/outcomes/nodes/" + devnet.account(1).address(), "/api/outcomes/models/" + model.toHex())) {
                JsonNode o = get(path);
                assertThat(o.get("disputes").toString()).as(path).isEqualTo("{\"opened\":2,\"won\":0,\"lost\":1,\"drawn\":0,\"pending\":1}");
                assertThat(o.get("slashes").asLong()).as(path).isEqualTo(1);
                assertThat(o.get("auditsFailed").isNull()).as(path + ": no gateway, so unknown").isTrue();
                assertThat(o.at("/notes/auditsFailed").asText()).contains("no gateway configured");
            }
            assertThat(new BigInteger(get("/api/outcomes/nodes/" + devnet.account(1).address()).get("slashedWei").asText())).isPositive();
            assertThat(get("/api/outcomes").get("nodes")).as("the challenger is no node: only node 1 is listed").hasSize(1);
            // the receipt pages say what each trace root is and where each game stands, in words
            String lost = page("/receipts/" + signed.id());
            assertThat(lost).contains(r.traceRoot().toHex() + "</code> <span class=\"muted\">(signed up front)")
                    .contains("<th>dispute</th><td><span class=\"bad\">convicted</span>");
            String waiting = page("/receipts/" + onChallenge.id());
            assertThat(waiting).contains("<th>trace root</th><td>committed when challenged").containsPattern(
                    "<th>dispute</th><td>game \\d+: waiting for the node&#39;s trace, \\d+ blocks left");
        } finally {
            documents.stop(0);
        }
    }

    @Test
    void rejects_malformed_parameters_with_a_problem_naming_the_field() throws Exception {
        startExplorer();
        for (String[] c : new String[][] {{"/api/events?node=0x12", "node"}, {"/api/events?limit=0", "limit"},
                {"/api/receipts/0xzz", "id"}, {"/batches/-1", "id"}, {"/search?q=hello", "q"}}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(explorer.url().resolve(c[0])).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(JSON.readTree(r.body()).at("/errors/0/pointer").asText()).as(c[0]).isEqualTo(c[1]);
        }
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(explorer.url().resolve("/receipts/0x" + "ab".repeat(32))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(URI.create(explorer.url().toString()).getHost()).isEqualTo("127.0.0.1");
    }

    /**
     * Issue 13, item 6: any staked address can commit a batch with a URI of its choosing, and the batch page
     * rendered it as a link, so {@code javascript:alert(1)} ran in the visitor's browser on click. Only http(s)
     * URIs are links now; the others are escaped text, and every answer carries a CSP that runs no inline script.
     */
    @Test
    void a_batch_uri_that_is_not_http_is_shown_as_text_never_as_a_link() throws Exception {
        registerNodeOneAndFundClientFour();
        String[] uris = {"javascript:alert(1)", "JaVaScRiPt:alert(document.domain)", "https://x.example/b\" onmouseover=\"alert(1)",
                "data:text/html,<script>alert(1)</script>", "https://node.example/v1/batches/0xab"};
        try (ChainClients n1 = as(1)) {
            for (int i = 0; i < uris.length; i++) confirmed(n1.settlement().commitBatch(Keccak256.hash(new byte[] {(byte) (40 + i)}), 1, uris[i]));
        }
        startExplorer();
        awaitIndexMatchesChain();
        java.util.Map<String, Long> batchOf = new java.util.HashMap<>();
        for (JsonNode e : get("/api/events?limit=10000").get("events")) {
            if (e.get("name").asText().equals("BatchCommitted")) batchOf.put(e.at("/args/uri").asText(), e.at("/args/batchId").asLong());
        }
        for (String uri : uris) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(explorer.url().resolve("/batches/" + batchOf.get(uri))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).as(uri).isEqualTo(200);
            String html = page.body();
            assertThat(html.toLowerCase(java.util.Locale.ROOT)).as(uri).doesNotContain("href=\"javascript:", "href=\"data:", "<script>alert",
                    "\" onmouseover=\"");
            if (uri.startsWith("https://node.")) {
                assertThat(html).contains("<a href=\"" + uri + "\" rel=\"noopener noreferrer nofollow\">" + uri + "</a>");
            } else {
                assertThat(html).as("shown as escaped text").contains("<code>" + Html.esc(uri) + "</code>");
            }
        }
        // the node page lists the same events: their arguments are escaped text too
        String node = http.send(HttpRequest.newBuilder(explorer.url().resolve("/nodes/" + devnet.account(1).address())).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(node).contains("javascript:alert(1)").doesNotContain("<script>alert", "href=\"javascript:");
    }

    @Test
    void every_answer_carries_a_strict_content_security_policy_and_nosniff() throws Exception {
        startExplorer();
        for (String path : List.of("/", "/verify", "/batches/0", "/api/status", "/static/verify.js", "/static/explorer.css", "/no-such-page",
                "/batches/-1", "/receipts/0x" + "ab".repeat(32))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(explorer.url().resolve(path)).header("Accept", "text/html").build(),
                    HttpResponse.BodyHandlers.ofString());
            if (path.startsWith("/static/")) assertThat(r.statusCode()).as("static files are covered too").isEqualTo(200);
            var h = r.headers();
            assertThat(h.firstValue("Content-Security-Policy")).as(path).hasValue(Pages.SECURITY_HEADERS.get("Content-Security-Policy"));
            String csp = h.firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
            assertThat(h.firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
            assertThat(h.firstValue("X-Frame-Options")).as(path).hasValue("DENY");
            assertThat(h.firstValue("Referrer-Policy")).as(path).hasValue("no-referrer");
        }
        for (String path : List.of("/", "/verify", "/batches/0")) {
            String html = http.send(HttpRequest.newBuilder(explorer.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString()).body();
            // the CSP forbids inline script: a page that relied on one would be broken in the browser
            assertThat(html).as(path).doesNotContainPattern("<script(?! src=\"/static/| type=\"application/json\")");
        }
    }

    /**
     * The batch URI is chosen by whoever committed the batch, so its server may answer without end or a byte at a
     * time: the indexer reads at most the body limit, within a deadline, records why, and keeps indexing.
     */
    @Test
    void a_batch_document_that_never_ends_is_cut_off_at_the_size_limit() throws Exception {
        com.sun.net.httpserver.HttpServer endless = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();
        endless.createContext("/", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked, no length
            byte[] chunk = new byte[64 << 10];
            java.util.Arrays.fill(chunk, (byte) ' ');
            try (var out = ex.getResponseBody()) {
                for (int i = 0; i < 100_000; i++) { // 6.5 GB unless the reader stops
                    out.write(chunk);
                    served.addAndGet(chunk.length);
                }
            } catch (java.io.IOException closedByTheReader) {
                // expected
            }
        });
        endless.start();
        try {
            String uri = "http://127.0.0.1:" + endless.getAddress().getPort() + "/v1/batches/endless";
            registerNodeOneAndFundClientFour();
            try (ChainClients n1 = as(1)) {
                confirmed(n1.settlement().commitBatch(Keccak256.hash(new byte[] {99}), 1, uri));
            }
            long limit = 1 << 20;
            explorer = ExplorerServer.start(config()
                    .withPollInterval(Duration.ofMillis(100)).withHttp(io.verity.http.HttpLimits.DEFAULT.withMaxBodyBytes(limit)));
            awaitIndexMatchesChain();
            long id = -1;
            for (JsonNode e : get("/api/events?limit=10000").get("events")) {
                if (e.at("/args/uri").asText().equals(uri)) id = e.at("/args/batchId").asLong();
            }
            long batch = id;
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(http.send(HttpRequest.newBuilder(
                    explorer.url().resolve("/batches/" + batch)).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .contains("exceeds " + limit + " bytes"));
            assertThat(served.get()).as("the reader stopped near the limit").isLessThan(64L << 20);
            assertThat(get("/api/status").toString()).as("still serving").isNotEmpty();
        } finally {
            endless.stop(0);
        }
    }
}
