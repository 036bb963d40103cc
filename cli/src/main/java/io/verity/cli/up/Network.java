package io.verity.cli.up;

import io.verity.protocol.wire.ReadyLine;
import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.gateway.tensor.Tolerance;
import io.verity.chain.Deployment;
import io.verity.chain.devnet.Devnet;
import io.verity.chain.TxOutcome;
import io.verity.gateway.GatewayMain;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.EvmAddress;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The supervisor of a local network: anvil with the contracts (in this process, via {@link Devnet}), three
 * nodes, a gateway and the explorer, each in its own JVM with its own log under HOME/logs. Closing stops them
 * in the reverse order of starting: explorer, gateway, nodes (in parallel; SIGTERM, SIGKILL after {@link #GRACE}),
 * then anvil.
 * Closing twice is harmless.
 */
public final class Network implements AutoCloseable {
    static final int NODES = 3;
    static final Duration GRACE = Duration.ofSeconds(10);
    /** A cold JVM loading ONNX Runtime and registering on chain, three at once on two cores: generous. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    static final String GATEWAY_MAIN = "io.verity.gateway.GatewayMain";
    static final String EXPLORER_MAIN = "io.verity.explorer.ExplorerMain";
    /** The explorer's port when the gateway has the default 7070; beside it, clear of the nodes' 7071..7073. */
    static final int EXPLORER_OFFSET = 10;
    /** NodeMain takes every flag a network node needs (--price-wei, --deployment, --batch-age-ms) and prints READY. */
    static final String NODE_MAIN = "io.verity.node.NodeMain";
    /** Dev account of the gateway's client, which pays the nodes (accounts 1..3 are the nodes, 0 deployed). */
    static final int CLIENT_ACCOUNT = 4;
    static final BigInteger CLIENT_DEPOSIT = UpCommand.PRICE.multiply(BigInteger.valueOf(1000));

    /** A node child and what it announced. */
    record Node(int index, ChildJvm jvm, URI url, EvmAddress address, BigInteger price) {
        String name() {
            return "node-" + index;
        }
    }

    private final Path home;
    private final Devnet devnet;
    private final NetworkFile.Proc anvil;
    private final List<Node> nodes;
    private final ChildJvm gateway;
    private final URI gatewayUrl;
    private final ChildJvm explorer;
    private final URI explorerUrl;
    private boolean closed;

    private Network(Path home, Devnet devnet, NetworkFile.Proc anvil, List<Node> nodes, ChildJvm gateway, URI gatewayUrl,
            ChildJvm explorer, URI explorerUrl) {
        this.home = home;
        this.devnet = devnet;
        this.anvil = anvil;
        this.nodes = List.copyOf(nodes);
        this.gateway = gateway;
        this.gatewayUrl = gatewayUrl;
        this.explorer = explorer;
        this.explorerUrl = explorerUrl;
    }

    /** The Verity home the network keeps its state in. */
    Path home() {
        return home;
    }

    /**
     * Starts everything; on any failure stops what already runs and throws, the message naming the component
     * and ending with the tail of its log.
     *
     * @param basePort the gateway's port; nodes take the next three. 0, or a port that is taken, means a free one.
     */
    static Network start(Path home, int basePort, PrintStream out) throws IOException, InterruptedException {
        Path chainDir = home.resolve("devnet");
        Path deploymentFile = chainDir.resolve("deployment.json");
        Set<Long> before = childPids();
        Devnet devnet = Devnet.builder().stateDir(chainDir.resolve("state")).deploymentFile(deploymentFile).start();
        NetworkFile.Proc anvil = ProcessHandle.current().children().filter(p -> !before.contains(p.pid()))
                .findFirst().map(NetworkFile.Proc::of).orElse(null);
        Deployment d = devnet.deployment();
        out.println("\nChain: anvil at " + devnet.rpcUrl() + " (chain id " + d.chainId() + ")");
        out.println("  NodeRegistry " + d.nodeRegistry() + "   Settlement " + d.settlement());
        out.println("  ModelRegistry " + d.modelRegistry() + "  Payments   " + d.payments());

        List<ChildJvm> started = new ArrayList<>();
        try {
            List<Node> nodes = startNodes(home, basePort, deploymentFile, devnet, started, out);
            ChainAccount client = devnet.account(CLIENT_ACCOUNT);
            ensureDeposit(d, client);
            Map<String, String> env = new HashMap<>();
            env.put("VERITY_NODE_KEY", null); // the gateway pays as the client account, never as a node
            // In the environment, not argv: a command line is readable by every user of the machine (ps).
            env.put(GatewayMain.CLIENT_KEY_ENV, client.privateKeyHex());
            ChildJvm gateway = ChildJvm.start("gateway", GATEWAY_MAIN, List.of("--home", home.resolve("gateway").toString(),
                    "--port", Integer.toString(freeOr(basePort)), "--deployment", deploymentFile.toString(),
                    "--rpc", devnet.rpcUrl(), "--policy", "none"),
                    env, home.resolve("logs/gateway.log"));
            started.add(gateway);
            URI gatewayUrl = gateway.awaitReady(READY_TIMEOUT).url();
            ChildJvm explorer = ChildJvm.start("explorer", EXPLORER_MAIN, List.of("--home", home.resolve("explorer").toString(),
                    "--port", Integer.toString(basePort == 0 ? 0 : freeOr(basePort + EXPLORER_OFFSET)), "--deployment", deploymentFile.toString(),
                    "--rpc", devnet.rpcUrl(), "--gateway", gatewayUrl.toString()), Map.of(), home.resolve("logs/explorer.log"));
            started.add(explorer);
            URI explorerUrl = explorer.awaitReady(READY_TIMEOUT).url();
            return new Network(home, devnet, anvil, nodes, gateway, gatewayUrl, explorer, explorerUrl);
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (ChildJvm c : started.reversed()) c.stop(GRACE);
            devnet.close();
            throw e;
        }
    }

    /**
     * Puts the demo models into every node's own hub (a no-op for those already there: a second up does not
     * copy again) and returns the manifests, the same for every node.
     */
    static List<Manifest> installModels(Path home) throws IOException {
        List<Manifest> models = List.of();
        for (int i = 1; i <= NODES; i++) models = DemoModels.install(new ModelHub(home.resolve("nodes/n" + i + "/models")));
        return models;
    }

    private static List<Node> startNodes(Path home, int basePort, Path deploymentFile, Devnet devnet, List<ChildJvm> started,
            PrintStream out) throws IOException, InterruptedException {
        List<ChildJvm> jvms = new ArrayList<>();
        List<BigInteger> prices = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            // 1.0, 1.1, 1.2 microether: close enough to compete, different enough that routing by price shows
            BigInteger price = UpCommand.PRICE.multiply(BigInteger.valueOf(9 + i)).divide(BigInteger.TEN);
            int port = basePort == 0 ? 0 : freeOr(basePort + i);
            ChildJvm jvm = ChildJvm.start("node-" + i, NODE_MAIN, List.of("--home", home.resolve("nodes/n" + i).toString(), "--port", Integer.toString(port),
                    "--deployment", deploymentFile.toString(), "--rpc", devnet.rpcUrl(),
                    "--price-wei", price.toString(), "--batch-age-ms", "2000"),
                    Map.of("VERITY_NODE_KEY", devnet.account(i).privateKeyHex()), home.resolve("logs/node-" + i + ".log"));
            started.add(jvm);
            jvms.add(jvm);
            prices.add(price);
        }
        out.println("\nStarting " + NODES + " nodes (separate JVMs; logs in " + home.resolve("logs") + ") ...");
        // They boot concurrently; awaiting each in turn costs no more than the slowest.
        try (ExecutorService wait = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ReadyLine>> ready = new ArrayList<>();
            for (ChildJvm j : jvms) ready.add(wait.submit(() -> j.awaitReady(READY_TIMEOUT)));
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                ReadyLine r;
                try {
                    r = ready.get(i).get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) throw io;
                    throw new IOException(jvms.get(i).name() + " failed to start: " + e.getCause(), e.getCause());
                }
                EvmAddress address = r.address().orElse(devnet.account(i + 1).address());
                nodes.add(new Node(i + 1, jvms.get(i), r.url(), address, prices.get(i)));
            }
            return nodes;
        }
    }

    /**
     * Registers the demo models in ModelRegistry as the deployer, each with its comparison rule (docs/gateway.md,
     * "Comparison rules"): the ONNX models, served by ONNX Runtime, with the gateway's default tolerance, the
     * sampled language model with None. Models an earlier up registered are left as they are.
     */
    void registerModels(List<Manifest> models, PrintStream out) {
        try (ChainClients owner = ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            for (Manifest m : models) {
                if (owner.models().model(m.digest()).isPresent()) continue;
                ComparisonRule rule = m.name().equals(DemoModels.TINY_LLAMA) ? ComparisonRule.NONE : Tolerance.DEFAULT.toRule();
                TxOutcome t = owner.models().register(m.digest(), nodes.get(0).url() + "/v1/models/" + m.digest().toHex(),
                        m.name(), m.version(), rule);
                if (!(t instanceof TxOutcome.Confirmed)) throw new IllegalStateException("registering " + m.name() + " failed: " + t);
                out.printf("  %-14s registered in ModelRegistry, comparison rule %s%n", m.name(), rule.describe());
            }
        }
    }

    /** The gateway pays from a deposit in Payments; top it up once so many demo runs fit in it. */
    private static void ensureDeposit(Deployment d, ChainAccount client) {
        try (ChainClients asClient = ChainClients.connect(d, client)) {
            if (asClient.payments().depositOf(client.address()).compareTo(CLIENT_DEPOSIT.divide(BigInteger.TWO)) < 0) {
                TxOutcome t = asClient.payments().deposit(CLIENT_DEPOSIT);
                if (!(t instanceof TxOutcome.Confirmed)) throw new IllegalStateException("client deposit failed: " + t);
            }
        }
    }

    /** {@code port} if nothing listens on it on loopback, else 0 (the child picks a free one). */
    static int freeOr(int port) {
        if (port == 0) return 0;
        try {
            new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
            return port;
        } catch (IOException taken) {
            return 0;
        }
    }

    private static Set<Long> childPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    Devnet devnet() {
        return devnet;
    }

    List<Node> nodes() {
        return nodes;
    }

    URI gatewayUrl() {
        return gatewayUrl;
    }

    URI explorerUrl() {
        return explorerUrl;
    }

    ChainAccount client() {
        return devnet.account(CLIENT_ACCOUNT);
    }

    /** What network.json records about this network. */
    NetworkFile describe(String state, String demo) {
        List<NetworkFile.Component> cs = new ArrayList<>();
        cs.add(new NetworkFile.Component("chain", null, devnet.rpcUrl(), anvil, null));
        for (Node n : nodes) {
            cs.add(new NetworkFile.Component(n.name(), n.address().toString(), n.url().toString(),
                    NetworkFile.Proc.of(ProcessHandle.of(n.jvm().pid()).orElseThrow()), n.jvm().log().toString()));
        }
        cs.add(new NetworkFile.Component("gateway", client().address().toString(), gatewayUrl.toString(),
                ProcessHandle.of(gateway.pid()).map(NetworkFile.Proc::of).orElse(null), gateway.log().toString()));
        cs.add(new NetworkFile.Component("explorer", null, explorerUrl.toString(),
                ProcessHandle.of(explorer.pid()).map(NetworkFile.Proc::of).orElse(null), explorer.log().toString()));
        return new NetworkFile(NetworkFile.Proc.of(ProcessHandle.current()), state, demo, gatewayUrl.toString(), cs);
    }

    /** Explorer, gateway, then the nodes together, then anvil; prints what happened to each. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        System.out.println("  explorer pid " + explorer.pid() + ": " + explorer.stop(GRACE));
        System.out.println("  gateway  pid " + gateway.pid() + ": " + gateway.stop(GRACE));
        try (ExecutorService stop = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> done = new ArrayList<>();
            for (Node n : nodes) done.add(stop.submit(() -> n.jvm().stop(GRACE)));
            for (int i = 0; i < nodes.size(); i++) {
                String how;
                try {
                    how = done.get(i).get();
                } catch (Exception e) {
                    how = "stop failed: " + e;
                }
                System.out.println("  " + nodes.get(i).name() + "   pid " + nodes.get(i).jvm().pid() + ": " + how);
            }
        }
        devnet.close();
        System.out.println("  chain    " + (anvil == null ? "" : "pid " + anvil.pid() + ": ") + "stopped");
        NetworkFile.delete(home);
    }
}
