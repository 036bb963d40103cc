package io.verity.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.ChainClients;
import io.verity.chain.Deployment;
import io.verity.chain.Devnet;
import io.verity.chain.SignedVoucher;
import io.verity.chain.TxOutcome;
import io.verity.chain.Voucher;
import io.verity.node.InferenceNode;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;
import io.verity.node.NodeConfig;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on embedded defaults: real models into the hub, a node on loopback, one inference through
 * the node's public HTTP API, and the receipt checked the way a stranger would check it. Stays up until
 * Ctrl-C so the user can send their own requests.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Start a local chain (anvil) and a staked node with real demo models, run one paid inference, show it settled and verified on chain, stay up until Ctrl-C.")
final class UpCommand implements Callable<Integer> {
    /** What the demo node charges: one microether per inference. */
    static final BigInteger PRICE = BigInteger.TEN.pow(12);

    @Option(names = "--home", description = "state directory; default $VERITY_HOME or ~/.verity")
    Path home;

    @Option(names = "--port", defaultValue = "7070", description = "node port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--exit", description = "stop after the demo instead of serving until Ctrl-C")
    boolean exitAfterDemo;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path dir = Homes.resolve(home);
        out.println("Verity up  (home " + dir + ")");

        ModelHub hub = new ModelHub(dir.resolve("models"));
        List<Manifest> models = DemoModels.install(hub);
        out.println("\nModels (real, from npm packages; stored by keccak256 digest):");
        for (Manifest m : models) {
            out.printf("  %-14s %-18s %s  %s%n", m.name(), m.version(), m.digest(), m.license());
        }

        Path chainDir = dir.resolve("devnet");
        Devnet devnet = Devnet.builder().stateDir(chainDir.resolve("state")).deploymentFile(chainDir.resolve("deployment.json"))
                .start();
        Deployment d = devnet.deployment();
        out.println("\nChain: anvil at " + devnet.rpcUrl() + " (chain id " + d.chainId() + ")");
        out.println("  NodeRegistry " + d.nodeRegistry() + "   Settlement " + d.settlement());
        out.println("  ModelRegistry " + d.modelRegistry() + "  Payments   " + d.payments());

        ChainAccount nodeAccount = devnet.account(1);
        ChainSettings chain = ChainSettings.of(chainDir.resolve("deployment.json"))
                .withAccountKey(nodeAccount.privateKeyHex()).withBatching(256, Duration.ofSeconds(2));
        InferenceNode node;
        try {
            node = startNode(NodeConfig.defaults(dir).withPort(port).withPrice(PRICE).withChainSettings(chain));
        } catch (Exception | Error e) {
            devnet.close();
            throw e;
        }
        out.println("\nNode " + node.address() + " serving at " + node.url() + "  (price " + PRICE + " wei per inference)");
        boolean ok;
        try {
            ok = demo(out, node, dir, devnet);
        } catch (Exception | Error e) {
            node.close();
            devnet.close();
            throw e;
        }
        if (!ok || exitAfterDemo) {
            node.close();
            devnet.close();
            return ok ? 0 : Main.CHECK_FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            devnet.close();
            stopped.countDown();
        }, "verity-up-shutdown"));
        out.println("\nUp. Try:  curl " + node.url() + "/v1/models      Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    private static InferenceNode startNode(NodeConfig config) throws Exception {
        try {
            return InferenceNode.start(config);
        } catch (RuntimeException e) {
            if (config.port() == 0 || !isBindFailure(e)) throw e;
            System.out.println("port " + config.port() + " is taken; using a free one");
            return InferenceNode.start(config.withPort(0));
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) return true;
            String m = t.getMessage();
            if (m != null && (m.contains("Address already in use") || m.contains("Failed to bind"))) return true;
        }
        return false;
    }

    /** One Silero VAD inference on a synthetic 16 kHz voiced signal, sent and verified as a client would. */
    private static boolean demo(PrintStream out, InferenceNode node, Path dir, Devnet devnet) throws Exception {
        DemoModels.Demo vad = DemoModels.SILERO_VAD;
        List<Tensor> inputs = List.of(
                Tensor.ofFloats("input", Shape.of(1, 512), voicedSignal(512, 16000, 42)),
                Tensor.ofFloats("state", Shape.of(2, 1, 128), new float[256]),
                Tensor.ofLongs("sr", Shape.of(), 16000));
        ArrayNode inputsJson = NodeClient.JSON.createArrayNode();
        for (Tensor t : inputs) inputsJson.add(TensorJson.write(t));

        out.println("\nDemo: POST " + node.url() + "/v1/infer  model=" + vad.name() + "  (512 samples of a 16 kHz voiced signal)");
        NodeClient.Answer answer = new NodeClient(node.url()).infer(vad.name(), inputsJson, null);
        for (Tensor t : answer.outputs()) {
            if (t.name().equals("output")) out.printf("  speech probability: %.4f%n", t.floats()[0]);
        }
        var r = answer.receipt();
        out.println("  receipt " + r.id());
        out.println("    node " + r.receipt().node() + "  engine " + r.receipt().engine());
        out.println("    model " + r.receipt().modelDigest());
        out.println("    inputs " + r.receipt().inputsDigest() + "  outputs " + r.receipt().outputsDigest());

        List<Checks.Check> checks = Checks.run(r, inputs, answer.outputs());
        out.println("  verification (offline, as any client can):");
        for (Checks.Check c : checks) out.printf("    %-4s %-15s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail());
        boolean nodeMatches = r.receipt().node().equals(node.address());
        out.printf("    %-4s %-15s %s%n", nodeMatches ? "ok" : "FAIL", "node-identity", "signer is the node we called");

        Path demoDir = dir.resolve("demo");
        Files.createDirectories(demoDir);
        Path responseFile = demoDir.resolve("response.json");
        Path inputsFile = demoDir.resolve("inputs.json");
        Files.writeString(responseFile, NodeClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer.raw()));
        ObjectNode in = NodeClient.JSON.createObjectNode();
        in.set("inputs", inputsJson);
        Files.writeString(inputsFile, NodeClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(in));
        boolean paid = pay(out, devnet, r);
        out.println("  waiting for the node to settle its batch on chain ...");
        JsonNode proof = awaitProof(node, r.id());
        List<Checks.Check> onChain = OnChainCheck.run(r, devnet.deployment(), Optional.ofNullable(proof));
        out.println("  verification on chain (Settlement.verifyReceipt and NodeRegistry):");
        for (Checks.Check c : onChain) out.printf("    %-4s %-15s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail());
        out.println("  saved: check it yourself with\n    ./verity verify " + responseFile + " --inputs " + inputsFile
                + "\n    node tools/verify-receipt.mjs " + responseFile);
        return Checks.allPassed(checks) && nodeMatches && paid && Checks.allPassed(onChain);
    }

    /**
     * The client (dev account 2) keeps a deposit in Payments and signs a cumulative voucher for the receipt's
     * price; the node redeems it. The voucher names the node, so no one else can take the money.
     */
    private static boolean pay(PrintStream out, Devnet devnet, io.verity.protocol.receipt.SignedReceipt r) {
        ChainAccount client = devnet.account(2);
        try (ChainClients asClient = ChainClients.connect(devnet.deployment(), client);
                ChainClients asNode = ChainClients.connect(devnet.deployment(), devnet.account(1))) {
            BigInteger already = asClient.payments().redeemed(client.address(), r.receipt().node());
            if (asClient.payments().depositOf(client.address()).compareTo(already.add(r.receipt().price())) < 0) {
                require(asClient.payments().deposit(PRICE.multiply(BigInteger.valueOf(1000))), "deposit");
            }
            SignedVoucher v = asClient.payments().sign(new Voucher(client.address(), r.receipt().node(),
                    already.add(r.receipt().price())));
            BigInteger before = asNode.connection().balanceOf(r.receipt().node());
            TxOutcome redeemed = asNode.payments().redeem(v);
            boolean ok = redeemed instanceof TxOutcome.Confirmed;
            out.printf("  payment: client %s signed a voucher for %s wei; the node redeemed it: %s%n", client.address(),
                    v.voucher().cumulativeAmount(), ok ? "ok (tx " + ((TxOutcome.Confirmed) redeemed).txHash() + ")" : redeemed);
            return ok && asNode.connection().balanceOf(r.receipt().node()).compareTo(before) != 0;
        }
    }

    private static void require(TxOutcome outcome, String what) {
        if (!(outcome instanceof TxOutcome.Confirmed)) throw new IllegalStateException(what + " failed: " + outcome);
    }

    /** Polls the node for the receipt's inclusion proof until its batch is committed (or a minute passes). */
    private static JsonNode awaitProof(InferenceNode node, Keccak256 id) throws InterruptedException {
        NodeClient client = new NodeClient(node.url());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return client.get("/v1/receipts/" + id + "/proof");
            } catch (java.io.IOException notYet) {
                Thread.sleep(250);
            }
        }
        return null;
    }

    /** A 220 Hz tone with harmonics and seeded noise: speech-like enough for the detector to score it. */
    static float[] voicedSignal(int n, int rate, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double t = (double) i / rate;
            double v = 0.4 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 440 * t)
                    + 0.1 * Math.sin(2 * Math.PI * 660 * t) + 0.02 * (rnd.nextDouble() * 2 - 1);
            x[i] = (float) v;
        }
        return x;
    }
}
