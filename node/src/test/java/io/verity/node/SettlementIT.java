package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.contracts.BatchInfo;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.SettledCheck;
import io.verity.chain.devnet.Devnet;
import io.verity.node.fixture.CommittedBatches;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.serve.NodeIdentity;
import io.verity.node.settle.ChainSettings;
import io.verity.node.settle.NodeRegistration;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.merkle.MerkleBatch;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.wire.Problem;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node-side settlement against a real anvil: receipts from real inferences end up in committed batches and
 * verify on chain; a restarted node posts nothing twice; a chain outage during load delays settlement but
 * loses and duplicates nothing. Each test runs its node as a different dev account, so they share one chain.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SettlementIT {
    /** How long the outage test keeps anvil down: a minute, as the settlement issue asks. */
    static final Duration OUTAGE = Duration.ofSeconds(60);
    static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
    /** How many of the outage test's receipts are each proved against the chain (all are checked by batch root). */
    static final int VERIFIED_ON_CHAIN = 200;

    @TempDir static Path chainDir;
    static Devnet devnet;
    static Path deploymentFile;
    static HttpClient http;

    @BeforeAll
    static void startChain() {
        devnet = Devnet.builder().stateDir(chainDir).start();
        deploymentFile = chainDir.resolve("node-deployment.json");
        devnet.deployment().write(deploymentFile);
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stopChain() {
        if (http != null) http.close();
        if (devnet != null) devnet.close();
    }

    static NodeConfig config(Path home, int account, int batchSize, Duration batchAge) {
        return NodeConfig.defaults(home).withChainSettings(ChainSettings.of(deploymentFile)
                .withAccountKey(devnet.account(account).privateKeyHex())
                .withBatching(batchSize, batchAge)
                .withMaxBackoff(Duration.ofMillis(500)));
    }

    static SignedReceipt infer(InferenceNode node) throws Exception {
        NodeFixture.Response r = NodeFixture.post(http, node.url(), "/v1/infer", NodeFixture.vadRequest(null), "application/json");
        assertThat(r.status()).as("infer: %s", r.body()).isEqualTo(200);
        return ReceiptJson.read(r.body().get("receipt"), "/receipt");
    }

    static JsonNode awaitProof(InferenceNode node, Keccak256 id) {
        return awaitProof(node.url(), id);
    }

    static JsonNode awaitProof(URI url, Keccak256 id) {
        return await().atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            NodeFixture.Response r = NodeFixture.get(http, url, "/v1/receipts/" + id.toHex() + "/proof");
            return r.status() == 200 ? r.body() : null;
        }, b -> b != null);
    }

    static List<Keccak256> hashes(JsonNode arr) {
        List<Keccak256> out = new ArrayList<>();
        arr.forEach(n -> out.add(Keccak256.parse(n.asText())));
        return out;
    }

    /** Every batch {@code node} committed, by id, with its receipt ids read from the batch URI. */
    static Map<Long, List<Keccak256>> committedBatches(ChainClients chain, InferenceNode node) throws Exception {
        return committedBatches(chain, node.url(), node.address());
    }

    static Map<Long, List<Keccak256>> committedBatches(ChainClients chain, URI url, EvmAddress node) throws Exception {
        Map<Long, List<Keccak256>> out = new HashMap<>();
        CommittedBatches.readNew(chain, http, url, node, out);
        return out;
    }

    static long batchFiles(Path home) throws java.io.IOException {
        try (var files = Files.list(home.resolve("batches"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("0x")).count();
        }
    }

    static void assertEachExactlyOnce(Map<Long, List<Keccak256>> batches, Set<Keccak256> expected) {
        List<Keccak256> all = batches.values().stream().flatMap(List::stream).toList();
        assertThat(new HashSet<>(all)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(all).as("no receipt in two batches").hasSameSizeAs(expected);
    }

    @Test
    void inference_receipts_end_up_in_committed_batches_that_verify_on_chain(@TempDir Path home) throws Exception {
        StakedNodes.installVad(home);
        int account = 1;
        try (InferenceNode node = InferenceNode.start(config(home, account, 5, Duration.ofHours(1)));
                ChainClients chain = ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            assertThat(node.address()).isEqualTo(devnet.account(account).address());
            List<SignedReceipt> receipts = new ArrayList<>();
            for (int i = 0; i < 3; i++) receipts.add(infer(node));
            // Signed in the chain's domain, so the contract computes the same id.
            assertThat(receipts.getFirst().domain().chainId()).isEqualTo(devnet.chainId());
            assertThat(receipts.getFirst().domain().verifyingContract()).isEqualTo(devnet.deployment().settlement());
            assertThat(chain.settlement().receiptId(receipts.getFirst().receipt())).isEqualTo(receipts.getFirst().id());

            // 3 of 5 receipts and an hour to go: nothing can be settled yet.
            NodeFixture.Response early = NodeFixture.get(http, node.url(), "/v1/receipts/" + receipts.getFirst().id().toHex() + "/proof");
            assertThat(early.status()).isEqualTo(404);
            assertThat(early.contentType()).startsWith(Problem.MEDIA_TYPE);
            assertThat(early.body().get("detail").asText()).isEqualTo("receipt " + receipts.getFirst().id() + " is not settled on chain yet; retry later");
            NodeFixture.Response unknown = NodeFixture.get(http, node.url(), "/v1/batches/" + Keccak256.ZERO.toHex());
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.body().get("detail").asText()).isEqualTo("no batch " + Keccak256.ZERO + " on this node");
            NodeFixture.Response bad = NodeFixture.get(http, node.url(), "/v1/batches/0x12");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body().get("errors").get(0).get("pointer").asText()).isEqualTo("/root");
            NodeFixture.Response stranger = NodeFixture.get(http, node.url(), "/v1/receipts/" + Keccak256.ZERO.toHex() + "/proof");
            assertThat(stranger.status()).isEqualTo(404);
            assertThat(stranger.body().get("detail").asText()).isEqualTo("no receipt " + Keccak256.ZERO + " on this node");

            for (int i = 0; i < 7; i++) receipts.add(infer(node)); // 10 = two full batches
            for (SignedReceipt r : receipts) {
                JsonNode p = awaitProof(node, r.id());
                Keccak256 root = Keccak256.parse(p.get("batchRoot").asText());
                long batchId = p.get("batchId").asLong();
                List<Keccak256> proof = hashes(p.get("proof"));
                assertThat(MerkleBatch.verify(root, r.id(), proof)).isTrue();
                SettledCheck check = chain.settlement().verifyReceipt(r, batchId, proof);
                assertThat(check).as("on-chain check of %s", r.id()).isInstanceOf(SettledCheck.Settled.class);
                BatchInfo info = chain.settlement().batch(batchId).orElseThrow();
                assertThat(info.uri()).isEqualTo(node.url() + "/v1/batches/" + root.toHex());
                assertThat(info.node()).isEqualTo(node.address());
            }
            assertThat(chain.nodes().isStaked(node.address())).isTrue();
            NodeFixture.Response health = NodeFixture.get(http, node.url(), "/health");
            assertThat(health.body().get("settledReceipts").asInt()).isEqualTo(receipts.size());
            assertEachExactlyOnce(committedBatches(chain, node),
                    new HashSet<>(receipts.stream().map(SignedReceipt::id).toList()));
        }
    }

    @Test
    void a_restarted_node_posts_nothing_twice_and_registers_once(@TempDir Path home) throws Exception {
        StakedNodes.installVad(home);
        int account = 2;
        Set<Keccak256> ids = new HashSet<>();
        try (InferenceNode node = InferenceNode.start(config(home, account, 3, Duration.ofHours(1)))) {
            for (int i = 0; i < 7; i++) ids.add(infer(node).id());
            // two full batches settle; the seventh receipt waits for company
            await().atMost(SETTLE_TIMEOUT).until(() -> batchFiles(home) == 2
                    && Files.readString(home.resolve("settle/state.json")).contains("\"pending\":null"));
        }
        try (InferenceNode node = InferenceNode.start(config(home, account, 3, Duration.ofHours(1)));
                ChainClients chain = ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            for (int i = 0; i < 2; i++) ids.add(infer(node).id());
            for (Keccak256 id : ids) awaitProof(node, id);
            Map<Long, List<Keccak256>> batches = committedBatches(chain, node);
            assertThat(batches).hasSize(3);
            assertEachExactlyOnce(batches, ids);
            assertThat(chain.nodes().registeredNodes().stream().filter(node.address()::equals).count()).isEqualTo(1);
            assertThat(chain.nodes().stakeOf(node.address())).as("staked once").isEqualTo(chain.nodes().minStake());
            // port 0 gave the restarted node a new URL; its registration follows
            assertThat(chain.nodes().node(node.address()).orElseThrow().endpoint()).isEqualTo(node.url().toString());
        }
    }

    @Test
    void a_chain_outage_under_load_delays_settlement_but_every_receipt_lands_in_exactly_one_batch(@TempDir Path home)
            throws Exception {
        StakedNodes.installVad(home);
        int account = 3;
        Set<Keccak256> ids = ConcurrentHashMap.newKeySet();
        AtomicInteger duringOutage = new AtomicInteger();
        AtomicBoolean down = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new ArrayList<>();
        // Batches of up to 32: the minute's thousands of receipts drain after the outage one commit at a time (one batch
        // in flight), and at 8 a batch that was some 350 commits, most of this test's time beyond the outage. Batches
        // are still cut both ways: by age (300 ms) under the load, by size while the backlog drains.
        try (InferenceNode node = InferenceNode.start(config(home, account, 32, Duration.ofMillis(300)))) {
            Thread load = Thread.ofVirtual().start(() -> {
                try {
                    while (!stop.get()) {
                        ids.add(infer(node).id());
                        if (down.get()) duringOutage.incrementAndGet();
                        Thread.sleep(20);
                    }
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.add(t);
                    }
                }
            });
            await().atMost(SETTLE_TIMEOUT).until(() -> ids.size() >= 20);
            devnet.stop();
            down.set(true);
            Thread.sleep(OUTAGE.toMillis()); // the outage itself, not an assertion on time
            down.set(false);
            devnet.restart();
            int atRestart = ids.size();
            await().atMost(SETTLE_TIMEOUT).until(() -> ids.size() >= atRestart + 20);
            stop.set(true);
            load.join();
            assertThat(failures).as("inference failures").isEmpty();
            assertThat(duringOutage.get()).as("inferences answered while the chain was down").isPositive();
            try (ChainClients chain = ChainClients.connect(devnet.deployment(), devnet.account(0));
                 ExecutorService verifiers = Executors.newFixedThreadPool(8)) {
                // A minute of load leaves thousands of receipts. Every one of them is in a batch whose root is on
                // chain (assertEachExactlyOnce below recomputes each root from the served ids), so the full
                // proof-and-eth_call path is checked on a seeded random sample, eight at a time: checking all of
                // them took most of the class's time.
                List<Keccak256> sample = new ArrayList<>(ids);
                java.util.Collections.shuffle(sample, new java.util.Random(ids.size()));
                sample = sample.subList(0, Math.min(VERIFIED_ON_CHAIN, sample.size()));
                List<Future<?>> checks = new ArrayList<>();
                for (Keccak256 id : sample) {
                    checks.add(verifiers.submit(() -> {
                        JsonNode p = awaitProof(node, id);
                        SignedReceipt r = ReceiptJson.read(NodeFixture.JSON.readTree(
                                NodeFixture.get(http, node.url(), "/v1/receipts/" + id.toHex()).raw()), "");
                        assertThat(chain.settlement().verifyReceipt(r,
                                p.get("batchId").asLong(), hashes(p.get("proof")))).as("receipt %s", id)
                                .isInstanceOf(SettledCheck.Settled.class);
                        return null;
                    }));
                }
                for (Future<?> check : checks) {
                    try {
                        check.get();
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof Error err) throw err;
                        throw e;
                    }
                }
                assertEachExactlyOnce(committedBatches(chain, node), ids);
            }
        }
    }

    @Test
    void registration_is_done_once_follows_a_moved_endpoint_and_comes_back_after_an_exit_only_on_a_start() {
        int account = 5;
        EvmAddress self = devnet.account(account).address();
        try (ChainClients chain = ChainClients.connect(devnet.deployment(), devnet.account(account))) {
            var nodes = chain.nodes();
            assertThat(NodeRegistration.ensure(nodes, self, "http://127.0.0.1:1", List.of(), BigInteger.ZERO, Optional.empty(), true))
                    .containsExactly(NodeRegistration.Action.REGISTERED);
            assertThat(NodeRegistration.ensure(nodes, self, "http://127.0.0.1:1", List.of(), BigInteger.ZERO, Optional.empty(), true))
                    .isEmpty();
            assertThat(NodeRegistration.ensure(nodes, self, "http://127.0.0.1:2", List.of(), BigInteger.ZERO, Optional.empty(), true))
                    .containsExactly(NodeRegistration.Action.ENDPOINT_UPDATED);
            assertThat(nodes.node(self).orElseThrow().endpoint()).isEqualTo("http://127.0.0.1:2");
            // a model added to (or removed from) the hub of a running node reaches its registration (issue 15)
            Keccak256 added = Keccak256.hash("a model".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(NodeRegistration.ensure(nodes, self, "http://127.0.0.1:2", List.of(added), BigInteger.ZERO, Optional.empty(), false))
                    .containsExactly(NodeRegistration.Action.MODELS_UPDATED);
            assertThat(nodes.node(self).orElseThrow().models()).containsExactly(added);
            assertThat(NodeRegistration.ensure(nodes, self, "http://127.0.0.1:2", List.of(), BigInteger.ZERO, Optional.empty(), false))
                    .containsExactly(NodeRegistration.Action.MODELS_UPDATED);
            assertThat(nodes.stakeOf(self)).isEqualTo(nodes.minStake());
            // an operator who exited and starts the node again is registered again, with fresh stake
            assertThat(nodes.exit()).isInstanceOf(io.verity.chain.TxOutcome.Confirmed.class);
            assertThat(nodes.node(self).orElseThrow().active()).isFalse();
            // a running node that finds itself exited stays out: that was its operator's choice
            assertThatThrownBy(() -> NodeRegistration.ensure(nodes, self, "http://127.0.0.1:2", List.of(), BigInteger.ZERO,
                    Optional.empty(), false)).hasMessageContaining("left NodeRegistry");
            assertThat(nodes.node(self).orElseThrow().active()).isFalse();
            assertThat(NodeRegistration.ensure(nodes, self, "http://127.0.0.1:2", List.of(), BigInteger.ZERO, Optional.empty(), true))
                    .containsExactly(NodeRegistration.Action.REGISTERED);
            assertThat(nodes.node(self).orElseThrow().active()).isTrue();
            assertThat(nodes.stakeOf(self)).isEqualTo(nodes.minStake());
        }
    }

    static NodeProcess startNodeProcess(Path home, int account) throws Exception {
        return NodeProcess.start(Map.of(NodeIdentity.ENV, devnet.account(account).privateKeyHex()), "--home", home.toString(),
                "--port", "0", "--deployment", deploymentFile.toString(), "--batch-size", "4", "--batch-age-ms", "200");
    }

    static Keccak256 inferAt(URI url) throws Exception {
        NodeFixture.Response r = NodeFixture.post(http, url, "/v1/infer", NodeFixture.vadRequest(null), "application/json");
        assertThat(r.status()).as("infer: %s", r.body()).isEqualTo(200);
        return Keccak256.parse(r.body().get("receipt").get("id").asText());
    }

    @Test
    void a_node_killed_with_sigkill_while_settling_posts_every_receipt_exactly_once_after_restart(@TempDir Path home)
            throws Exception {
        StakedNodes.installVad(home);
        int account = 4;
        Set<Keccak256> ids = new HashSet<>();
        NodeProcess first = startNodeProcess(home, account);
        try {
            // Keep receipts coming until some batches are on chain, so the kill lands amid settlement.
            await().atMost(SETTLE_TIMEOUT).until(() -> {
                ids.add(inferAt(first.url()));
                return batchFiles(home) >= 3;
            });
            for (int i = 0; i < 5; i++) ids.add(inferAt(first.url()));
        } finally {
            first.process().destroyForcibly();
            first.process().waitFor();
        }
        NodeProcess second = startNodeProcess(home, account);
        try (ChainClients chain = ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            for (int i = 0; i < 3; i++) ids.add(inferAt(second.url()));
            for (Keccak256 id : ids) awaitProof(second.url(), id);
            assertEachExactlyOnce(committedBatches(chain, second.url(), devnet.account(account).address()), ids);
            assertThat(chain.nodes().stakeOf(devnet.account(account).address())).isEqualTo(chain.nodes().minStake());
        } finally {
            second.process().destroy();
            second.process().waitFor();
        }
    }
}
