package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.fixture.HardhatNode;
import io.verity.client.OnChainVerifier;
import io.verity.client.VerifiedAnswer;
import io.verity.client.VerityClient;
import io.verity.node.fixture.StakedNodes;
import io.verity.protocol.EvmAddress;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's "done when", as an operator does it with docs/operate.md: {@code verity chain deploy} onto a Hardhat node
 * interval mining ({@link #BLOCK}) on a host of its own, then two nodes and a gateway, each on its own host and started from
 * the {@code ./verity dist} archive ({@link DistArchive}) with a config file, serve paid inferences that the Java SDK
 * verifies and that settle. Every step is the archive's command the page gives: keystores for the operator, the
 * node keys and the gateway's paying account ({@code keys new}), the node keys' consent ({@code keys consent}), the
 * operator's registration and stake ({@code node register}), the model ({@code model add}), and the services
 * ({@code node start}, {@code gateway start --config}). Hosts are network namespaces ({@link NetNamespaces}); skipped,
 * saying why, where they cannot be made (not root, no iproute2).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OperatorJourneyIT {
    /** Each host has ports of its own: every service on the port it would use on a machine of its own. */
    static final int CHAIN_PORT = 8545, NODE_PORT = 7070, GATEWAY_PORT = 7070, ANSWERS = 4;
    static final BigInteger PRICE = BigInteger.TEN.pow(12);
    static final Duration START = Duration.ofSeconds(90), SETTLE = Duration.ofSeconds(60);
    /**
     * A block every quarter second: every transaction still waits for the next block, as on a real chain, but the
     * deployment's and registrations' transactions, sent one after another, no longer wait up to a second each.
     */
    static final Duration BLOCK = Duration.ofMillis(250);
    /** C1 only, as {@code Host.startJava}: short-lived test services spend more CPU on C2 than it saves them. */
    static final String JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

    @TempDir static Path dir;
    static Path verity, password;
    static NetNamespaces net;
    static HardhatNode chain;
    static final List<Started> services = Collections.synchronizedList(new ArrayList<>());
    static final long t0 = System.nanoTime();

    @BeforeAll
    static void archive_and_hosts() throws Exception {
        var why = NetNamespaces.unavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "the operator's journey runs on hosts of its own: " + why.orElse(""));
        verity = DistArchive.unpack(DistArchive.build(), Files.createDirectories(dir.resolve("opt")));
        phase("archive built and unpacked");
        password = Files.writeString(dir.resolve("keys.pw"), "a long passphrase\n");
        net = NetNamespaces.create();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        List<Started> running = new ArrayList<>(services);
        Collections.reverse(running); // the gateway before the nodes it calls
        for (Started s : running) s.process().destroy(); // SIGTERM: the shutdown hooks close them
        for (Started s : running) if (!s.process().waitFor(20, TimeUnit.SECONDS)) s.process().destroyForcibly();
        if (chain != null) chain.close();
        if (net != null) net.close(); // kills whatever still runs on a host
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void deployed_onto_hardhat_two_nodes_and_a_gateway_from_the_archive_serve_paid_verified_inferences_that_settle()
            throws Exception {
        Host chainHost = net.host("chain"), gatewayHost = net.host("gateway");
        List<Host> nodeHosts = List.of(net.host("node1"), net.host("node2"));
        chain = HardhatNode.start(BLOCK, chainHost.address(), CHAIN_PORT, chainHost.exec());
        phase("hardhat started");

        // A network of our own (operate.md 3, chain.md): the deployer's key from the environment.
        Path deployment = dir.resolve("deployment.json");
        verity(Map.of("DEPLOYER_KEY", chain.accounts().getFirst().privateKeyHex()), "chain", "deploy", "--rpc", chain.rpcUrl(),
                "--key-env", "DEPLOYER_KEY", "--chain-id", "31337", "--deployment", deployment.toString());
        Deployment d = Deployment.read(deployment);
        phase("contracts deployed");

        // Keys (operate.md 2): an operator and a node key per node (NodeRegistry: one node per operator), and the
        // gateway's paying account.
        Map<String, EvmAddress> keys = new HashMap<>();
        try (ExecutorService making = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<String>> made = new HashMap<>();
            for (String who : List.of("node1op", "node1", "node2op", "node2", "client")) {
                // --scrypt LIGHT (hidden, for throwaway keys): the standard cost, paid again at every unlock, would be
                // most of this test's time on a shared machine; the keystore format is the same
                made.put(who, making.submit(() -> verity(Map.of(), "keys", "new", "--keystore", keystore(who).toString(),
                        "--password-file", password.toString(), "--scrypt", "LIGHT")));
            }
            for (var e : made.entrySet()) keys.put(e.getKey(), EvmAddress.parse(e.getValue().get().strip()));
        }
        // Funding (operate.md 4), from the chain's faucet: the operator's stake, and gas for the rest.
        DistArchive.fund(chain.rpcUrl(), BigInteger.TEN.pow(19), keys.get("node1op"), keys.get("node2op"), keys.get("client")); // 10 ether
        DistArchive.fund(chain.rpcUrl(), BigInteger.TEN.pow(18), keys.get("node1"), keys.get("node2"));

        // Consent (on the node's machine) and registration with stake (on the operator's) (operate.md 5).
        try (ExecutorService registering = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> registered = new ArrayList<>();
            for (Host h : nodeHosts) {
                String operator = h.name() + "op";
                registered.add(registering.submit(() -> {
                    String consent = verity(Map.of(), "keys", "consent", "--deployment", deployment.toString(), "--keystore",
                            keystore(h.name()).toString(), "--password-file", password.toString(), "--operator",
                            keys.get(operator).toString());
                    return verity(Map.of(), "node", "register", "--deployment", deployment.toString(), "--operator-keystore",
                            keystore(operator).toString(), "--password-file", password.toString(), "--node", keys.get(h.name()).toString(),
                            "--consent", consent.strip(), "--endpoint", h.url(NODE_PORT).toString(), "--price-wei", PRICE.toString());
                }));
            }
            for (Future<String> f : registered) f.get();
        }
        phase("keys made, nodes registered and staked");

        // Models, config files and start (operate.md 6); the gateway pays from its keystore (operators.md).
        Started gateway;
        try (ExecutorService starting = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> started = new ArrayList<>();
            for (Host h : nodeHosts) {
                started.add(starting.submit(() -> {
                    Path home = dir.resolve(h.name());
                    verity(Map.of(), "model", "add", StakedNodes.vadFile().toString(), "--name", StakedNodes.VAD, "--version", "5",
                            "--license", "MIT", "--source", "npm:@ricky0123/vad-web", "--home", home.toString());
                    return service(h, "node", "--home", home.toString(), "--host", h.address(), "--port", Integer.toString(NODE_PORT),
                            "--deployment", deployment.toString(), "--public-url", h.url(NODE_PORT).toString(),
                            "--keystore", keystore(h.name()).toString(), "--password-file", password.toString(),
                            "--price-wei", PRICE.toString(), "--batch-age-ms", "1000",
                            "--redeem-interval-ms", "1000");
                }));
            }
            Future<Started> gw = starting.submit(() -> service(gatewayHost, "gateway", "--home", dir.resolve("gateway").toString(),
                    "--host", gatewayHost.address(), "--port", Integer.toString(GATEWAY_PORT), "--deployment", deployment.toString(),
                    "--client-keystore", keystore("client").toString(), "--password-file", password.toString(),
                    "--deposit-wei", BigInteger.TEN.pow(18).toString(), "--refresh-ms", "500"));
            for (Future<?> f : started) f.get();
            gateway = gw.get();
        }
        phase("nodes and gateway ready");

        // Routed (operate.md 7): the gateway lists both nodes, healthy, at the URLs they announced.
        await("the gateway routes to both nodes at their announced URLs").atMost(START).pollInterval(Duration.ofMillis(250))
                .until(() -> nodeHosts.stream().allMatch(h -> routed(gateway, keys.get(h.name()), h.url(NODE_PORT))));
        phase("both nodes routed");

        // Paid, verified inferences: redundant:2, so each answer carries a receipt of each node, checked by the SDK.
        List<SignedReceipt> receipts = new ArrayList<>();
        try (VerityClient sdk = VerityClient.builder(gateway.ready().url()).trust(Eip712Domain.verity(d.chainId(), d.settlement()))
                .timeout(Duration.ofSeconds(30)).build()) {
            for (int i = 0; i < ANSWERS; i++) {
                VerifiedAnswer answer = sdk.infer(StakedNodes.VAD, RealInputs.sileroVadV5(i), Policy.parse("redundant:2"));
                assertThat(answer.receipts()).extracting(r -> r.receipt().node())
                        .containsExactlyInAnyOrder(keys.get("node1"), keys.get("node2"));
                receipts.addAll(answer.receipts());
            }
        }
        phase(ANSWERS + " answers verified");

        // Every receipt settles on the Hardhat chain, as a stranger checks it: its proof from the node's registered
        // URL, checked against Settlement.
        try (OnChainVerifier stranger = OnChainVerifier.connect(d)) {
            for (SignedReceipt r : receipts) {
                assertThat(stranger.awaitSettled(r, SETTLE).node()).as("receipt %s", r.id()).isEqualTo(r.receipt().node());
            }
        }
        phase(receipts.size() + " receipts settled");
        // ...and each node, staked by its operator, redeemed the vouchers the gateway paid it with: at least its price
        // for every answer.
        try (ChainClients reader = ChainClients.connect(d, ChainAccount.READ_ONLY)) {
            for (Host h : nodeHosts) {
                assertThat(reader.nodes().isStaked(keys.get(h.name()))).as("%s staked", h.name()).isTrue();
                BigInteger earned = PRICE.multiply(BigInteger.valueOf(ANSWERS));
                await("the vouchers of " + h.name() + " redeemed").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                        .until(() -> reader.payments().redeemed(keys.get("client"), keys.get(h.name())).compareTo(earned) >= 0);
            }
        }
        phase("vouchers redeemed");
    }

    /** When each step was done (startup is most of the test's time). */
    static void phase(String done) {
        System.out.printf(java.util.Locale.ROOT, "operator journey: %s at %.1fs%n", done, (System.nanoTime() - t0) / 1e9);
    }

    static Path keystore(String who) {
        return dir.resolve(who + ".json");
    }

    /** A one-shot command of the archive, on the operator's machine (this JVM's host on the bridge). */
    static String verity(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(verity.toString()));
        cmd.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(env);
        all.putAll(Map.of("PATH", System.getenv("PATH"), "HOME", dir.toString(), "VERITY_HOME", dir.resolve("cli").toString(),
                "VERITY_JAVA_OPTS", JAVA_OPTS));
        return DistArchive.run(cmd, all, dir, 120);
    }

    /**
     * {@code verity COMMAND start --config FILE} from the archive on {@code host}, every setting in the config file
     * (written from the equivalent flags) and secrets in files it names, as docs/operate.md runs a service.
     */
    static Started service(Host host, String command, String... settings) throws Exception {
        Path conf = ConfigFiles.write(dir.resolve(host.name() + ".conf"), settings);
        Started s = host.start(List.of(verity.toString(), command, "start", "--config", conf.toString()),
                Map.of("VERITY_JAVA_OPTS", JAVA_OPTS, "VERITY_HOME", dir.resolve("cli").toString()),
                dir.resolve(host.name() + ".log"), START);
        services.add(s);
        return s;
    }

    /** Whether the gateway's {@code GET /v1/nodes} lists {@code node} registered and healthy at {@code url}. */
    static boolean routed(Started gateway, EvmAddress node, URI url) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateway.ready().url().resolve("/v1/nodes"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode n : new ObjectMapper().readTree(r.body()).get("nodes")) {
                if (n.get("address").asText().equalsIgnoreCase(node.toString())) {
                    return n.get("url").asText().equals(url.toString()) && n.get("registered").asBoolean() && n.get("healthy").asBoolean();
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
