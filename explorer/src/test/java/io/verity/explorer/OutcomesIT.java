package io.verity.explorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainLog;
import io.verity.chain.Deployment;
import io.verity.explorer.fixture.PostgresCluster;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.node.Faults;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public record of outcomes (issue 16) over a live devnet, with the explorer on a real PostgreSQL
 * (issue 15): three staked nodes serving Silero VAD and a gateway; node 3 is the cheapest and falsifies every
 * answer ({@code Faults.perturb = 1}, what {@code --fault-perturb 1} sets), so a {@code sample:1} audit
 * catches it, and re-asked it signs a second answer to the same request, which the gateway reports on chain as
 * equivocation: slashed. The explorer's {@code /api/outcomes} then shows, for that node and for the model, the
 * failed audit and the disagreement the gateway published and the slash the chain recorded; the honest nodes
 * none; and what has no source (audits run, substitutions) as null, not zero. Restarted on the same database,
 * the explorer continues from its checkpoint: the same record, every event once.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OutcomesIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigInteger PRICE = BigInteger.TEN.pow(12), CHEAP = BigInteger.TEN.pow(11);
    static final int LIAR = 3;

    @TempDir static Path dir;
    @RegisterExtension static final PostgresCluster postgres = new PostgresCluster();
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(3).batching(64, Duration.ofMillis(300))
            .node((i, c) -> i == LIAR ? c.withPrice(CHEAP).withFaults(new Faults(1.0, Duration.ZERO)) : c.withPrice(PRICE))
            .gateway(g -> g.quarantine(Duration.ofMinutes(10))).build();
    static final HttpClient http = HttpClient.newHttpClient();
    static String database;
    static EvmAddress liar, honest;
    ExplorerServer explorer;

    @BeforeAll
    static void catchTheLiar() throws Exception {
        database = postgres.newDatabase();
        liar = net.node(LIAR).address();
        honest = net.node(1).address();
        // Routing prefers the cheapest node; every answer is audited under sample:1 until one audit caught it.
        await("a sample:1 audit catches node " + LIAR).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(net.gateway().url().resolve("/v1/infer"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ExplorerBrowserIT.vadRequest("sample:1")))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return !evidence(liar, "audit-mismatch").isEmpty();
        });
        await("the equivocation is slashed on chain").atMost(Duration.ofSeconds(30))
                .until(() -> evidence(liar, "equivocation").stream().anyMatch(e -> e.path("slashTx").asText().startsWith("0x")));
    }

    @AfterAll
    static void closeClient() {
        http.close();
    }

    @AfterEach
    void stopExplorer() {
        if (explorer != null) explorer.close();
    }

    @Test
    void shows_the_caught_node_its_model_and_the_honest_nodes_and_keeps_them_across_a_restart() throws Exception {
        explorer = start(true);
        Set<String> chain = onChain();
        long slashedOnChain = chain.stream().filter(e -> e.endsWith("/Slashed/" + liar.toString().toLowerCase())).count();
        long equivocations = chain.stream().filter(e -> e.endsWith("/EquivocationSlashed/" + liar.toString().toLowerCase())).count();
        assertThat(slashedOnChain).as("the chain slashed node %d", LIAR).isPositive();
        assertThat(equivocations).isPositive(); // one per request it was caught on before its quarantine took hold
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode n = get("/api/outcomes/nodes/" + liar);
            assertThat(n.get("address").asText()).isEqualTo(liar.toString());
            assertThat(n.get("auditsFailed").asLong()).isPositive();
            assertThat(n.get("disagreements").asLong()).isGreaterThanOrEqualTo(n.get("auditsFailed").asLong() + 1); // + the equivocation
            assertThat(n.get("equivocationsProven").asLong()).isEqualTo(equivocations);
            assertThat(n.get("slashes").asLong()).isEqualTo(slashedOnChain);
            assertThat(new BigInteger(n.get("slashedWei").asText())).isPositive();
            assertThat(get("/api/outcomes/nodes/" + honest).get("receipts").asLong()).as("the honest node's receipts settled and were fetched").isPositive();
            // the restart below compares with this record, so it must be complete: every receipt the liar signed is in a
            // batch on chain, and the explorer fetched them all (its record is recomputed at most once a second)
            long committed = committedOnChain(liar);
            assertThat(committed).as("the liar's receipts committed on chain").isEqualTo(signed(LIAR));
            assertThat(n.get("receipts").asLong()).as("the liar's receipts fetched").isEqualTo(committed);
            // audits run come from the gateway's /v1/nodes, read at another moment than the evidence the failures
            // come from, so the two agree only once both are read after the last audit: at least every failed one ran
            assertThat(n.get("auditsRun").asLong()).isGreaterThanOrEqualTo(n.get("auditsFailed").asLong()).isPositive();
        });
        JsonNode liarRecord = get("/api/outcomes/nodes/" + liar);
        // the gateway told: none of its evidence is a substitution (the liar served the model asked for, wrongly)
        assertThat(liarRecord.get("substitutionsCaught").asLong()).isZero();
        assertThat(liarRecord.at("/notes/substitutionsCaught").asText()).startsWith("from the evidence gateway");
        assertThat(liarRecord.at("/disputes/opened").asLong()).as("no dispute game was played here").isZero();

        JsonNode honestRecord = get("/api/outcomes/nodes/" + honest);
        assertThat(honestRecord.get("slashes").asLong()).isZero();
        assertThat(honestRecord.get("auditsFailed").asLong()).isZero();

        JsonNode all = get("/api/outcomes");
        JsonNode vad = null;
        for (JsonNode m : all.get("models")) if (m.get("name").asText().startsWith("silero-vad@")) vad = m;
        assertThat(vad).as("the model, named from its ModelRegistered event: %s", all.get("models")).isNotNull();
        assertThat(vad.get("auditsFailed").asLong()).isPositive();
        assertThat(vad.get("equivocationsProven").asLong()).isEqualTo(equivocations);
        assertThat(vad.get("slashes").asLong()).as("slashes whose cause names the model").isEqualTo(equivocations);
        assertThat(vad.get("receipts").asLong()).isPositive();
        assertThat(get("/api/outcomes/models/" + vad.get("digest").asText()).get("slashes").asLong()).isEqualTo(equivocations);
        assertThat(all.get("nodes")).hasSize(3);

        String page = http.send(HttpRequest.newBuilder(explorer.url().resolve("/outcomes")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(page).contains("id=\"outcome-nodes\"", "id=\"outcome-models\"", "not recorded yet", "silero-vad@");

        // Restarted on the same PostgreSQL database, without the gateway: it continues from its checkpoint (every event
        // once, as on chain), the chain's counts are unchanged, and what only a gateway knows is unknown, not zero.
        long through = explorer.indexedThrough().orElseThrow();
        explorer.close();
        explorer = start(false);
        assertThat(explorer.indexedThrough().orElseThrow()).isGreaterThanOrEqualTo(through);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(indexed()).isEqualTo(onChain()));
        JsonNode after = get("/api/outcomes/nodes/" + liar);
        for (String field : List.of("receipts", "batches", "equivocationsProven", "slashes", "slashedWei")) {
            assertThat(after.get(field)).as(field).isEqualTo(liarRecord.get(field));
        }
        assertThat(after.get("auditsFailed").isNull()).isTrue();
        assertThat(after.get("auditsRun").isNull()).isTrue();
        assertThat(after.at("/notes/auditsFailed").asText()).contains("no gateway configured");
    }

    @Test
    void refuses_a_malformed_address_or_digest_and_says_when_nothing_is_known() throws Exception {
        explorer = start(true);
        for (String[] c : new String[][] {{"/api/outcomes/nodes/0x12", "address"}, {"/api/outcomes/models/0xzz", "digest"}}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(explorer.url().resolve(c[0])).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).at("/errors/0/pointer").asText()).as(c[0]).isEqualTo(c[1]);
        }
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(explorer.url().resolve("/api/outcomes/nodes/0x" + "12".repeat(20))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    ExplorerServer start(boolean withGateway) {
        ExplorerConfig c = ExplorerConfig.defaults(dir.resolve("explorer"), net.chain().deploymentFile()).withJdbcUrl(database)
                .withPollInterval(Duration.ofMillis(100));
        return ExplorerServer.start(withGateway ? c.withGateway(net.gateway().url()) : c);
    }

    static List<JsonNode> evidence(EvmAddress node, String kind) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : getJson(net.gateway().url(), "/v1/evidence").get("evidence")) {
            if (e.get("node").asText().equals(node.toString()) && e.get("kind").asText().equals(kind)) out.add(e);
        }
        return out;
    }

    JsonNode get(String path) throws Exception {
        return getJson(explorer.url(), path);
    }

    static JsonNode getJson(URI base, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The receipts in the batches {@code node} committed on chain (its BatchCommitted events' counts). */
    static long committedOnChain(EvmAddress node) {
        Deployment d = net.chain().deployment();
        try (ChainConnection c = net.chain().connect(0)) {
            long n = 0;
            for (ChainLog l : c.logs(List.of(d.settlement()), d.deployBlock(), c.blockNumber())) {
                if (l.event().name().equals("BatchCommitted") && node.equals(l.event().arg("node"))) {
                    n += ((BigInteger) l.event().arg("count")).longValueExact();
                }
            }
            return n;
        }
    }

    /** The receipts node {@code i} signed, from its /health. */
    static long signed(int i) throws Exception {
        return getJson(net.node(i).url(), "/health").get("receipts").asLong();
    }

    /** block/logIndex/tx/name/node of every Verity event on chain since deployment. */
    static Set<String> onChain() {
        Deployment d = net.chain().deployment();
        try (ChainConnection c = net.chain().connect(0)) {
            Set<String> out = new TreeSet<>();
            for (ChainLog l : c.logs(List.of(d.nodeRegistry(), d.modelRegistry(), d.settlement(), d.payments(), d.requireDisputeGame(),
                    d.requireCommitteeDisputes()),
                    d.deployBlock(), c.blockNumber())) {
                Object node = l.event().args().getOrDefault("node", l.event().args().get("member"));
                out.add(l.blockNumber() + "/" + l.logIndex() + "/" + l.txHash().toHex() + "/" + l.event().name() + "/"
                        + (node == null ? "" : node.toString().toLowerCase()));
            }
            return out;
        }
    }

    /** The same as the explorer's API reports it; a duplicate row would make the list longer than the set. */
    Set<String> indexed() throws Exception {
        JsonNode events = get("/api/events?limit=10000").get("events");
        Set<String> out = new TreeSet<>();
        for (JsonNode e : events) {
            out.add(e.get("block").asLong() + "/" + e.get("logIndex").asInt() + "/" + e.get("txHash").asText() + "/" + e.get("name").asText()
                    + "/" + (e.get("node").isNull() ? "" : e.get("node").asText().toLowerCase()));
        }
        assertThat(out).as("no event stored twice").hasSize(events.size());
        return out;
    }
}
