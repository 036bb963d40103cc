package io.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.DeployParams;
import io.verity.chain.Deployment;
import io.verity.chain.Devnet;
import io.verity.chain.Dispute;
import io.verity.chain.DisputeClient;
import io.verity.chain.NodeRegistryClient;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.det.DeterministicModel;
import io.verity.node.Faults;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.dispute.Challenger;
import io.verity.node.dispute.TraceClient;
import io.verity.node.dispute.TraceLayout;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dispute", mixinStandardHelpOptions = true,
        description = "On-chain disputes of deterministic-engine receipts (docs/deterministic-engine.md, \"Disputes\").",
        subcommands = {DisputeCommand.Demo.class})
final class DisputeCommand {

    /**
     * A self-contained dispute on its own local chain (a fresh anvil, so a running {@code verity up} network is
     * left alone): four verity-det/1 nodes serving PaddleOCR det, node 1 computing with one weight tampered; an
     * honest challenger re-runs node 1's answer, challenges the settled receipt, bisects, the committee
     * re-executes the disputed operator, and node 1 is slashed.
     */
    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Challenge, bisect and slash a dishonest det-engine node on a local chain (own anvil, ~30 s).")
    static final class Demo implements Callable<Integer> {
        static final int NODES = 4;
        static final int CHALLENGER = 6;

        @Option(names = "--dir", description = "Where the demo keeps its chain and node homes (default: a new temp dir).")
        Path dir;

        @Option(names = "--size", defaultValue = "64", description = "Input image side in pixels, a multiple of 32 (default 64).")
        int size;

        @Override
        public Integer call() throws Exception {
            if (size < 32 || size % 32 != 0) throw new IllegalArgumentException("--size must be a positive multiple of 32, got " + size);
            if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // nodes run in this JVM: keep it readable
            }
            Path home = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("verity-dispute-demo");
            DemoModels.Demo det = DemoModels.ALL.stream().filter(d -> d.name().equals("paddleocr-det")).findFirst().orElseThrow();
            Path modelFile = DemoModels.nodeModules().resolve(det.relativePath());
            List<InferenceNode> nodes = new ArrayList<>();
            long started = System.nanoTime();
            try (Devnet devnet = Devnet.builder().stateDir(home.resolve("chain")).start();
                    DeterministicEngine engine = DeterministicEngine.create(Math.min(4, Runtime.getRuntime().availableProcessors()), true);
                    AutoCloseable stopNodes = () -> { // before the chain goes (resources close in reverse order)
                        for (int i = nodes.size() - 1; i >= 0; i--) nodes.get(i).close();
                    }) {
                Deployment d = devnet.deployment();
                Path deploymentFile = home.resolve("deployment.json");
                d.write(deploymentFile);
                System.out.println("local chain " + devnet.rpcUrl() + " (chain " + d.chainId() + "), DisputeGame " + d.disputeGame());
                Manifest manifest = null;
                for (int a = 1; a <= NODES; a++) {
                    Path nodeHome = home.resolve("n" + a);
                    manifest = new ModelHub(nodeHome.resolve("models")).add(modelFile, det.name(), det.version(), det.license(), det.source());
                    NodeConfig c = NodeConfig.defaults(nodeHome).withChainSettings(ChainSettings.of(deploymentFile)
                            .withAccountKey(devnet.account(a).privateKeyHex()).withBatching(1, Duration.ofMillis(100)));
                    if (a == 1) c = c.withFaults(Faults.NONE.withTamperWeight(true));
                    InferenceNode n = InferenceNode.start(c, DeterministicEngine.create(2, true), InstantSource.system());
                    nodes.add(n);
                    System.out.printf("node %d  %s  %s  verity-det/1%s%n", a, n.address(), n.url(), a == 1 ? "  DISHONEST: one weight nudged by 2^-10" : "");
                }
                try (ChainConnection reader = devnet.connect(0); ChainConnection me = devnet.connect(CHALLENGER)) {
                    NodeRegistryClient registry = new NodeRegistryClient(reader, d.nodeRegistry());
                    awaitTrue(Duration.ofSeconds(60), () -> registry.activeNodes().size() == NODES, "nodes to stake");
                    InferenceNode cheat = nodes.getFirst();
                    BigInteger stakeBefore = registry.stakeOf(cheat.address());
                    System.out.println("staked: " + NODES + " nodes x " + ether(stakeBefore) + " ETH");

                    List<Tensor> inputs = List.of(image(size));
                    SignedReceipt receipt = infer(cheat.url(), manifest.name(), inputs);
                    System.out.println("node 1 answered " + manifest.name() + " on a " + size + "x" + size + " image; receipt " + receipt.id()
                            + ", traceRoot " + receipt.receipt().traceRoot());
                    TraceClient served = new TraceClient(cheat.url());
                    TraceClient.Inclusion inc = awaitValue(Duration.ofSeconds(60), () -> served.inclusion(receipt.id()).orElse(null),
                            "the receipt's batch on chain");
                    System.out.println("settled in batch " + inc.batchId() + " on chain");

                    DisputeClient games = new DisputeClient(me, d.requireDisputeGame());
                    DeterministicModel honest = engine.load(manifest.digest(), modelFile);
                    Challenger challenger = new Challenger(games, honest, line -> System.out.println("  " + line));
                    System.out.println("challenger " + me.account().address() + " re-runs the request with its own engine:");
                    long from = reader.blockNumber();
                    Challenger.Opened opened = challenger.open(receipt, inputs, inc.batchId(), inc.proof(), games.minBond());
                    Dispute end = challenger.play(opened, Duration.ofMillis(100), Duration.ofMinutes(5));

                    DisputeClient view = new DisputeClient(reader, d.requireDisputeGame());
                    TraceLayout.Slot slot = TraceLayout.of(honest).get(Math.toIntExact(end.hi()));
                    System.out.printf("disputed entry %d: %s output '%s' of node %d (inputs agreed up to entry %d)%n", end.hi(),
                            honest.nodeOp(slot.node()), slot.name(), slot.node(), end.lo());
                    for (ChainEvent e : view.events(from)) {
                        if (e.name().equals("CommitteeChosen")) System.out.println("committee: " + e.arg("committee"));
                        if (e.name().equals("Voted")) {
                            System.out.println("  vote " + e.<EvmAddress>arg("member") + ": node " + (e.<Boolean>arg("nodeRight") ? "right" : "wrong"));
                        }
                        if (e.name().equals("Resolved")) {
                            System.out.println("resolved: " + e.<String>arg("reason") + ", slashed " + ether(e.arg("slashed")) + " ETH");
                        }
                    }
                    BigInteger stakeAfter = registry.stakeOf(cheat.address());
                    System.out.println("node 1 stake: " + ether(stakeBefore) + " ETH -> " + ether(stakeAfter) + " ETH"
                            + (registry.isStaked(cheat.address()) ? "" : " (below the minimum: no longer staked)"));
                    System.out.println("challenger can withdraw " + ether(view.claimable(me.account().address())) + " ETH (bond "
                            + ether(games.minBond()) + " back + reward)");
                    System.out.printf("%s after %d rounds, %.1f s in all%n", end.state(), end.rounds(), (System.nanoTime() - started) / 1e9);
                    return end.state() == Dispute.State.CHALLENGER_WON ? 0 : Main.CHECK_FAILED;
                }
            }
        }

        /** A deterministic 3-channel test card, normalised as PaddleOCR det expects. */
        static Tensor image(int side) {
            float[] v = new float[3 * side * side];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        boolean ink = (y / 8) % 3 == 1 && (x / 4) % 2 == 0; // dark bars, like a line of text
                        v[(c * side + y) * side + x] = ink ? -1.8f : 2.0f + 0.01f * c;
                    }
                }
            }
            return Tensor.ofFloats("x", Shape.of(1, 3, side, side), v);
        }

        static SignedReceipt infer(URI node, String model, List<Tensor> inputs) throws IOException, InterruptedException {
            ObjectMapper json = new ObjectMapper();
            ObjectNode body = json.createObjectNode().put("model", model);
            inputs.forEach(t -> body.withArray("inputs").add(TensorJson.writeCompact(t)));
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(node + "/v1/infer"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                JsonNode answer = json.readTree(r.body());
                if (r.statusCode() != 200) throw new IllegalStateException("node refused the inference: " + answer);
                return ReceiptJson.read(answer.get("receipt"), "/receipt");
            }
        }

        static String ether(BigInteger wei) {
            return new BigDecimal(wei).divide(new BigDecimal(DeployParams.ETHER)).stripTrailingZeros().toPlainString();
        }

        static void awaitTrue(Duration limit, java.util.function.BooleanSupplier ok, String what) throws InterruptedException {
            awaitValue(limit, () -> ok.getAsBoolean() ? Boolean.TRUE : null, what);
        }

        static <T> T awaitValue(Duration limit, java.util.function.Supplier<T> get, String what) throws InterruptedException {
            Instant stop = Instant.now().plus(limit);
            while (Instant.now().isBefore(stop)) {
                T v = get.get();
                if (v != null) return v;
                Thread.sleep(100);
            }
            throw new IllegalStateException("gave up waiting " + limit.toSeconds() + " s for " + what);
        }
    }
}
