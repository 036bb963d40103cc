package io.verity.explorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.devnet.Devnet;
import io.verity.client.OnChainVerifier;
import io.verity.client.VerifiedAnswer;
import io.verity.client.VerityClient;
import io.verity.gateway.GatewayMain;
import io.verity.node.NodeMain;
import io.verity.node.fixture.StakedNodes;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.testing.ConfigFiles;
import io.verity.testing.NetNamespaces;
import io.verity.testing.NetNamespaces.Host;
import io.verity.testing.NetNamespaces.Started;
import io.verity.testing.RealInputs;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verity across hosts (issue 15): the chain, three nodes, the gateway and the explorer each on a host of its own
 * ({@link NetNamespaces}: a network namespace with one address on a private bridge), started as their mains run
 * as services (a config file each, keys in the environment). Nodes bind their host's address and announce it
 * ({@code --public-url}); the gateway and the explorer know only the deployment file, so they find the nodes
 * through NodeRegistry, and the client (this JVM, one more host on the bridge) checks settlement as a stranger
 * would, asking each node at its registered URL. Under load the busiest node's link is cut (its switch port
 * down: packets lost, nothing refused) and restored: no client request fails, and every receipt a client got
 * settles on chain and reaches the explorer's index. Skipped, saying why, where namespaces cannot be made (not
 * root, no iproute2).
 */
class SeparateHostsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int NODES = 3, CLIENT_ACCOUNT = 4, CLIENTS = 3;
    /** Every host has ports of its own: each service on the port it would use on a machine of its own. */
    static final int CHAIN_PORT = 8545, NODE_PORT = 7070, GATEWAY_PORT = 7070, EXPLORER_PORT = 7080;
    static final BigInteger PRICE = BigInteger.TEN.pow(12);
    static final Duration START = Duration.ofSeconds(90);
    /** Answers in each phase of the load (before, during and after the cut), so each phase carries real traffic. */
    static final int PER_PHASE = 10;

    @TempDir static Path dir;
    static NetNamespaces net;
    static Devnet chain;
    static final Map<Host, Started> nodes = new ConcurrentHashMap<>();
    static Started gateway, explorer;
    static final Map<EvmAddress, Host> hostOf = new ConcurrentHashMap<>();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static long t0;

    /** Seconds since the class started, for the phase timings printed on stdout. */
    static String at() {
        return String.format(java.util.Locale.ROOT, "%.1fs", (System.nanoTime() - t0) / 1e9);
    }

    @BeforeAll
    static void start() throws Exception {
        t0 = System.nanoTime();
        var why = NetNamespaces.unavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "separate hosts need network namespaces: " + why.orElse(""));
        net = NetNamespaces.create();
        Host chainHost = net.host("chain");
        List<Host> nodeHosts = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) nodeHosts.add(net.host("node" + i));
        Host gatewayHost = net.host("gateway"), explorerHost = net.host("explorer");

        Path deployment = dir.resolve("deployment.json"); // names the chain at its host's address
        chain = Devnet.builder().host(chainHost.address()).port(CHAIN_PORT).commandPrefix(chainHost.exec())
                .deploymentFile(deployment).start();
        System.out.println("separate hosts: chain deployed at " + at());
        try (ExecutorService starting = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> started = new ArrayList<>();
            for (int i = 1; i <= NODES; i++) {
                Host h = nodeHosts.get(i - 1);
                String key = chain.account(i).privateKeyHex();
                started.add(starting.submit(() -> {
                    StakedNodes.installVad(Files.createDirectories(dir.resolve(h.name())));
                    nodes.put(h, service(h, NodeMain.class, Map.of("VERITY_NODE_KEY", key), "--host", h.address(),
                            "--port", Integer.toString(NODE_PORT), "--public-url", h.url(NODE_PORT).toString(),
                            "--deployment", deployment.toString(), "--price-wei", PRICE.toString(), "--batch-size", "64",
                            "--batch-age-ms", "500", "--redeem-interval-ms", "500"));
                    return null;
                }));
            }
            String clientKey = chain.account(CLIENT_ACCOUNT).privateKeyHex();
            started.add(starting.submit(() -> gateway = service(gatewayHost, GatewayMain.class, Map.of("VERITY_CLIENT_KEY", clientKey),
                    "--deployment", deployment.toString(), "--host", gatewayHost.address(), "--port", Integer.toString(GATEWAY_PORT),
                    "--deposit-wei", BigInteger.TEN.pow(18).toString(), "--refresh-ms", "300", "--timeout-ms", "3000")));
            started.add(starting.submit(() -> explorer = service(explorerHost, ExplorerMain.class, Map.of(),
                    "--deployment", deployment.toString(), "--host", explorerHost.address(), "--port", Integer.toString(EXPLORER_PORT),
                    "--gateway", gatewayHost.url(GATEWAY_PORT).toString(), "--poll-ms", "300")));
            for (Future<?> f : started) f.get();
        }
        System.out.println("separate hosts: nodes, gateway and explorer ready at " + at());
    }

    /**
     * Starts {@code main} on {@code host} as a service runs: every setting in its config file
     * ({@code <home>/service.conf}, docs/operators.md), secrets only in the environment.
     */
    static Started service(Host host, Class<?> main, Map<String, String> env, String... flags) throws Exception {
        Path home = Files.createDirectories(dir.resolve(host.name()));
        List<String> settings = new ArrayList<>(List.of("--home", home.toString()));
        settings.addAll(List.of(flags));
        Path conf = ConfigFiles.write(home.resolve("service.conf"), settings.toArray(String[]::new));
        Started s = host.startJava(main.getName(), List.of("--config", conf.toString()), env, home.resolve("out.log"), START);
        System.out.println("separate hosts: " + host.name() + " ready at " + at());
        return s;
    }

    @AfterAll
    static void stop() {
        // the gateway and explorer first (they call the nodes), then the nodes, the chain, and the hosts
        List<Started> running = new ArrayList<>();
        if (gateway != null) running.add(gateway);
        if (explorer != null) running.add(explorer);
        running.addAll(nodes.values());
        for (Started s : running) s.process().destroy();
        for (Started s : running) {
            try {
                if (!s.process().waitFor(10, TimeUnit.SECONDS)) s.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (chain != null) chain.close();
        if (net != null) net.close(); // kills whatever still runs on a host
        http.close();
    }

    /** One answer a client got: its receipts and the load phase it came in. */
    record Answer(List<SignedReceipt> receipts, String phase) {}

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void a_node_cut_off_under_load_costs_no_request_and_every_receipt_settles_after_its_link_is_back() throws Exception {
        // Nodes are known only by what they announced: NodeRegistry holds their namespace URLs, the gateway routes to those.
        nodes.forEach((h, s) -> hostOf.put(s.ready().address().orElseThrow(), h));
        try (ChainClients reader = ChainClients.connect(chain.deployment(), ChainAccount.READ_ONLY)) {
            await("every node registered at its announced URL").atMost(START).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (var e : hostOf.entrySet()) {
                    assertThat(reader.nodes().node(e.getKey())).as("node %s", e.getKey())
                            .hasValueSatisfying(n -> assertThat(n.endpoint()).isEqualTo(e.getValue().url(NODE_PORT).toString()));
                    assertThat(reader.nodes().isStaked(e.getKey())).isTrue();
                }
            });
        }
        await("the gateway routes to all three nodes at their announced URLs").atMost(START).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (EvmAddress a : hostOf.keySet()) if (!gatewayLists(a, true)) return false;
                    return true;
                });

        System.out.println("separate hosts: nodes staked and routed at " + at());
        Eip712Domain domain = Eip712Domain.verity(chain.chainId(), chain.deployment().settlement());
        List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<String> phase = new AtomicReference<>("before");
        AtomicLong seed = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        EvmAddress victim;
        for (int c = 0; c < CLIENTS; c++) {
            clients.add(Thread.ofVirtual().name("client-" + c).start(() -> {
                try (VerityClient sdk = VerityClient.builder(gateway.ready().url()).trust(domain).timeout(Duration.ofSeconds(30)).build()) {
                    while (running.get()) {
                        String at = phase.get();
                        try {
                            VerifiedAnswer a = sdk.infer(StakedNodes.VAD, RealInputs.sileroVadV5(seed.incrementAndGet()), Policy.NONE);
                            answers.add(new Answer(a.receipts(), at));
                        } catch (RuntimeException e) {
                            failures.add(at + ": " + e);
                        }
                    }
                }
            }));
        }
        try {
            await("answers before the cut").atMost(Duration.ofSeconds(30)).until(() -> answers.size() >= PER_PHASE);
            // the victim is the node carrying the most load: cutting it must cost in-flight requests their first node
            Map<EvmAddress, Integer> load = new HashMap<>();
            synchronized (answers) {
                answers.forEach(a -> a.receipts().forEach(r -> load.merge(r.receipt().node(), 1, Integer::sum)));
            }
            victim = Collections.max(load.entrySet(), Map.Entry.comparingByValue()).getKey();
            Host victimHost = hostOf.get(victim);

            phase.set("cut");
            System.out.println("separate hosts: cut " + victimHost.name() + " at " + at());
            net.cut(victimHost);
            await("the gateway sees " + victimHost.name() + " unreachable, and the others answer").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !gatewayLists(victim, true) && count(answers, "cut") >= PER_PHASE);

            phase.set("restored");
            System.out.println("separate hosts: restored " + victimHost.name() + " at " + at());
            net.restore(victimHost);
            await("the gateway routes to " + victimHost.name() + " again").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> gatewayLists(victim, true) && count(answers, "restored") >= PER_PHASE);
        } finally {
            running.set(false);
            for (Thread t : clients) t.join(Duration.ofSeconds(40));
        }

        System.out.printf("separate hosts: %d answers (before %d, during the cut %d, after %d), %d failed; load ended at %s%n",
                answers.size(), count(answers, "before"), count(answers, "cut"), count(answers, "restored"), failures.size(), at());
        assertThat(failures).as("failed client requests").isEmpty();
        // how many requests the cut caught on their way to the victim, which the gateway then sent to another node
        long failedOver;
        try (var lines = Files.lines(dir.resolve("gateway/out.log"))) {
            failedOver = lines.filter(l -> l.contains("node " + victim) && l.contains("trying the next")).count();
        }
        System.out.println("separate hosts: " + failedOver + " requests failed over from the cut node");

        // Every receipt settles: its proof from its node's registered URL, checked against Settlement on the chain's host.
        List<SignedReceipt> receipts = answers.stream().flatMap(a -> a.receipts().stream()).toList();
        try (OnChainVerifier stranger = OnChainVerifier.connect(chain.deployment());
             ExecutorService checks = Executors.newFixedThreadPool(8)) {
            List<Future<OnChainVerifier.Settled>> settled = new ArrayList<>();
            for (SignedReceipt r : receipts) settled.add(checks.submit(() -> stranger.awaitSettled(r, Duration.ofSeconds(60))));
            for (int i = 0; i < receipts.size(); i++) {
                assertThat(settled.get(i).get().node()).as("receipt %s", receipts.get(i).id()).isEqualTo(receipts.get(i).receipt().node());
            }
        }
        System.out.println("separate hosts: " + receipts.size() + " receipts settled at " + at());
        // ...and the explorer, which fetched every batch's receipts from its node's announced URL, has indexed them all.
        Set<Keccak256> unindexed = ConcurrentHashMap.newKeySet();
        receipts.forEach(r -> unindexed.add(r.id()));
        await("the explorer indexes every receipt").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (Keccak256 id : new HashSet<>(unindexed)) if (explorerHas(id)) unindexed.remove(id);
            return unindexed.isEmpty();
        });
        System.out.println("separate hosts: all indexed by the explorer at " + at());
    }

    static long count(List<Answer> answers, String phase) {
        synchronized (answers) {
            return answers.stream().filter(a -> a.phase().equals(phase)).count();
        }
    }

    /**
     * Whether the gateway's {@code GET /v1/nodes} lists {@code node} registered, at its host's URL (the one it
     * announced, the only one it has), and healthy ({@code healthy}).
     */
    static boolean gatewayLists(EvmAddress node, boolean healthy) throws Exception {
        JsonNode body = get(gateway.ready().url().resolve("/v1/nodes"));
        for (JsonNode n : body.get("nodes")) {
            if (!n.get("address").asText().equalsIgnoreCase(node.toString())) continue;
            assertThat(n.get("url").asText()).as("the gateway's URL of %s", node).isEqualTo(hostOf.get(node).url(NODE_PORT).toString());
            return n.get("registered").asBoolean() && n.get("healthy").asBoolean() == healthy;
        }
        return false;
    }

    static boolean explorerHas(Keccak256 id) throws Exception {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(explorer.ready().url().resolve("/api/receipts/" + id.toHex()))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 200;
    }

    static JsonNode get(URI uri) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET %s", uri).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
