package io.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.ChainClients;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.chain.SignedVoucher;
import io.verity.chain.TxOutcome;
import io.verity.chain.Voucher;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The demo {@code verity up} runs on its network: one Silero VAD request with {@code policy: redundant:2},
 * answered by two nodes, whose receipts are checked offline, paid for, and, once the nodes' batches land,
 * checked on chain. Through the gateway when it is built; until then this class plays the gateway's part
 * itself (same request id to the two cheapest nodes, outputs compared, each node paid by voucher), so the
 * network can be exercised before the gateway lands.
 */
final class NetworkDemo {
    static final String POLICY = "redundant:2";

    /** What came back for the request, in the shape of the gateway's answer (docs/gateway.md). */
    record Outcome(List<Tensor> outputs, JsonNode outputsJson, List<SignedReceipt> receipts, List<JsonNode> receiptsJson,
            String verdict, List<Payment> payments) {}

    record Payment(EvmAddress node, BigInteger amount, String detail) {}

    private final PrintStream out;
    private final Network network;
    private final Path home;

    NetworkDemo(PrintStream out, Network network, Path home) {
        this.out = out;
        this.network = network;
        this.home = home;
    }

    /** Runs the demo and prints every check; true when all passed. */
    boolean run() throws IOException, InterruptedException {
        DemoModels.Demo vad = DemoModels.SILERO_VAD;
        List<Tensor> inputs = List.of(
                Tensor.ofFloats("input", Shape.of(1, 512), UpCommand.voicedSignal(512, 16000, 42)),
                Tensor.ofFloats("state", Shape.of(2, 1, 128), new float[256]),
                Tensor.ofLongs("sr", Shape.of(), 16000));
        ArrayNode inputsJson = NodeClient.JSON.createArrayNode();
        for (Tensor t : inputs) inputsJson.add(TensorJson.write(t));

        Outcome o;
        if (network.gatewayUrl().isPresent()) {
            URI gw = network.gatewayUrl().get();
            out.println("\nDemo: POST " + gw + "/v1/infer  model=" + vad.name() + "  policy=" + POLICY
                    + "  (512 samples of a 16 kHz voiced signal)");
            o = throughGateway(gw, vad.name(), inputsJson);
        } else {
            out.println("\nDemo: gateway not built yet (" + Network.GATEWAY_MAIN + " is not on the classpath), so the client does"
                    + " " + POLICY + " itself:\n  the same request to the two cheapest nodes, model=" + vad.name()
                    + "  (512 samples of a 16 kHz voiced signal)");
            o = direct(vad.name(), inputsJson);
        }

        for (Tensor t : o.outputs()) {
            if (t.name().equals("output")) out.printf("  speech probability: %.4f%n", t.floats()[0]);
        }
        out.println("  verdict: " + o.verdict());
        boolean ok = o.receipts().size() == 2 && o.verdict().startsWith("agreed");
        if (o.receipts().size() != 2) out.println("  FAIL expected 2 receipts for " + POLICY + ", got " + o.receipts().size());

        Path demoDir = home.resolve("demo");
        Files.createDirectories(demoDir);
        Path inputsFile = demoDir.resolve("inputs.json");
        ObjectNode in = NodeClient.JSON.createObjectNode();
        in.set("inputs", inputsJson);
        Files.writeString(inputsFile, NodeClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(in));
        List<Path> saved = new ArrayList<>();
        for (int i = 0; i < o.receipts().size(); i++) {
            SignedReceipt r = o.receipts().get(i);
            out.println("  receipt " + (i + 1) + ": " + r.id());
            out.println("    node " + r.receipt().node() + " (" + nodeName(r.receipt().node()) + ")  engine "
                    + r.receipt().engine() + "  price " + r.receipt().price() + " wei");
            out.println("    inputs " + r.receipt().inputsDigest() + "  outputs " + r.receipt().outputsDigest());
            List<Checks.Check> checks = Checks.run(r, inputs, o.outputs());
            boolean ours = network.nodes().stream().anyMatch(n -> n.address().equals(r.receipt().node()));
            checks = new ArrayList<>(checks);
            checks.add(new Checks.Check("node-identity", ours, ours ? "signer is one of this network's nodes"
                    : "signer " + r.receipt().node() + " is none of this network's nodes"));
            out.println("    verification (offline, as any client can):");
            print(checks);
            ok &= Checks.allPassed(checks);
            // one file per receipt in a node's answer shape {outputs, receipt}, so `verity verify` reads it
            ObjectNode resp = NodeClient.JSON.createObjectNode();
            resp.set("outputs", o.outputsJson());
            resp.set("receipt", o.receiptsJson().get(i));
            Path file = demoDir.resolve("response-" + (i + 1) + ".json");
            Files.writeString(file, NodeClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(resp));
            if (i == 0) Files.writeString(demoDir.resolve("response.json"), Files.readString(file));
            saved.add(file);
        }

        boolean paid = !o.payments().isEmpty();
        for (Payment p : o.payments()) out.println("  payment: " + p.amount() + " wei to " + p.node() + " (" + nodeName(p.node())
                + ")" + (p.detail().isEmpty() ? "" : ": " + p.detail()));
        for (SignedReceipt r : o.receipts()) {
            boolean found = o.payments().stream().anyMatch(p -> p.node().equals(r.receipt().node())
                    && p.amount().equals(r.receipt().price()));
            if (!found) out.println("  FAIL no payment of " + r.receipt().price() + " wei to " + r.receipt().node());
            paid &= found;
        }
        ok &= paid;

        out.println("  waiting for the nodes to settle their batches on chain ...");
        Deployment d = network.devnet().deployment();
        for (SignedReceipt r : o.receipts()) {
            Optional<Network.Node> signer = network.nodes().stream().filter(n -> n.address().equals(r.receipt().node())).findFirst();
            JsonNode proof = signer.isPresent() ? awaitProof(signer.get().url(), r.id()) : null;
            List<Checks.Check> onChain = OnChainCheck.run(r, d, Optional.ofNullable(proof));
            out.println("  receipt " + r.id().toString().substring(0, 10) + "… on chain (Settlement.verifyReceipt and NodeRegistry):");
            print(onChain);
            ok &= Checks.allPassed(onChain);
        }
        out.println("  saved: check them yourself with");
        for (Path f : saved) out.println("    ./verity verify " + f + " --inputs " + inputsFile);
        out.println("    node tools/verify-receipt.mjs " + demoDir.resolve("response.json"));
        out.println(ok ? "  demo: passed" : "  demo: FAILED (see the FAIL lines above)");
        return ok;
    }

    private void print(List<Checks.Check> checks) {
        for (Checks.Check c : checks) out.printf("      %-4s %-15s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail());
    }

    private String nodeName(EvmAddress address) {
        return network.nodes().stream().filter(n -> n.address().equals(address)).map(Network.Node::name).findFirst()
                .orElse("unknown");
    }

    /** The gateway's answer (docs/gateway.md): outputs, receipts[], verdict, payments[]. */
    private Outcome throughGateway(URI gateway, String model, ArrayNode inputsJson) throws IOException, InterruptedException {
        ObjectNode body = NodeClient.JSON.createObjectNode();
        body.put("model", model);
        body.set("inputs", inputsJson);
        body.put("policy", POLICY);
        JsonNode resp = new NodeClient(gateway).post("/v1/infer", body);
        List<SignedReceipt> receipts = new ArrayList<>();
        List<JsonNode> receiptsJson = new ArrayList<>();
        JsonNode rs = resp.path("receipts");
        for (int i = 0; i < rs.size(); i++) {
            receipts.add(ReceiptJson.read(rs.get(i), "/receipts/" + i));
            receiptsJson.add(rs.get(i));
        }
        JsonNode v = resp.path("verdict");
        String verdict = v.path("status").asText("?") + " (" + v.path("agreeing").asText("?") + " of " + v.path("asked").asText("?")
                + " agreed, comparison " + v.path("comparison").asText("?") + ")";
        List<Payment> payments = new ArrayList<>();
        for (JsonNode p : resp.path("payments")) {
            payments.add(new Payment(EvmAddress.parse(p.path("node").asText()), new BigInteger(p.path("amount").asText("0")),
                    "voucher from client " + network.client().address() + ", cumulative " + p.path("cumulativeAmount").asText()));
        }
        return new Outcome(TensorJson.readList(resp.get("outputs"), "/outputs"), resp.get("outputs"), receipts, receiptsJson,
                verdict, payments);
    }

    /** The gateway's part, done by the client: same request id to the two cheapest nodes, answers compared, both paid. */
    private Outcome direct(String model, ArrayNode inputsJson) throws IOException, InterruptedException {
        List<Network.Node> cheapest = network.nodes().stream().sorted(Comparator.comparing(Network.Node::price)).limit(2).toList();
        byte[] id = new byte[32];
        new SecureRandom().nextBytes(id);
        String requestId = Hex.encode(id);
        List<NodeClient.Answer> answers = new ArrayList<>();
        try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<NodeClient.Answer>> fs = new ArrayList<>();
            for (Network.Node n : cheapest) fs.add(calls.submit(() -> new NodeClient(n.url()).infer(model, inputsJson, requestId)));
            for (Future<NodeClient.Answer> f : fs) {
                try {
                    answers.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) throw io;
                    throw new IOException("a node call failed: " + e.getCause(), e.getCause());
                }
            }
        }
        Keccak256 first = answers.getFirst().receipt().receipt().outputsDigest();
        long agreeing = answers.stream().filter(a -> a.receipt().receipt().outputsDigest().equals(first)).count();
        String verdict = (agreeing == answers.size() ? "agreed" : "disagreed") + " (" + agreeing + " of " + answers.size()
                + " agreed, comparison bit-exact; " + cheapest.stream().map(n -> n.name() + " at " + n.price() + " wei")
                .reduce((a, b) -> a + ", " + b).orElse("") + ")";
        List<Payment> payments = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) payments.add(pay(cheapest.get(i), answers.get(i).receipt()));
        return new Outcome(answers.getFirst().outputs(), answers.getFirst().raw().get("outputs"),
                answers.stream().map(NodeClient.Answer::receipt).toList(),
                answers.stream().map(a -> a.raw().get("receipt")).toList(), verdict, payments);
    }

    /**
     * The client signs a cumulative voucher for the receipt's price, naming the node so no one else can take
     * it; nodes cannot take vouchers over HTTP yet, so the node's account (a dev key we handed it) redeems it.
     */
    private Payment pay(Network.Node node, SignedReceipt r) {
        ChainAccount client = network.client();
        Deployment d = network.devnet().deployment();
        try (ChainClients asClient = ChainClients.connect(d, client); ChainClients asNode = ChainClients.connect(d, node.account())) {
            BigInteger already = asClient.payments().redeemed(client.address(), r.receipt().node());
            SignedVoucher v = asClient.payments().sign(new Voucher(client.address(), r.receipt().node(),
                    already.add(r.receipt().price())));
            TxOutcome redeemed = redeemRetrying(asNode, v);
            if (redeemed instanceof TxOutcome.Confirmed c) {
                return new Payment(r.receipt().node(), r.receipt().price(), "voucher from client " + client.address()
                        + " for cumulative " + v.voucher().cumulativeAmount() + " wei, redeemed by the node (tx " + c.txHash() + ")");
            }
            return new Payment(r.receipt().node(), BigInteger.ZERO, "redeem failed: " + redeemed);
        }
    }

    /**
     * The node's own batcher sends from the same account, so a redeem can lose the nonce race ("nonce too
     * low", an RPC error that is safe to retry); a revert is final and returned as it is.
     */
    private static TxOutcome redeemRetrying(ChainClients asNode, SignedVoucher v) {
        for (int attempt = 1; ; attempt++) {
            try {
                return asNode.payments().redeem(v);
            } catch (ChainException e) {
                if (attempt == 5) throw e;
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Polls the signer for the receipt's inclusion proof until its batch is committed (or a minute passes). */
    private static JsonNode awaitProof(URI node, Keccak256 id) throws InterruptedException {
        NodeClient client = new NodeClient(node);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return client.get("/v1/receipts/" + id + "/proof");
            } catch (IOException notYet) {
                Thread.sleep(250);
            }
        }
        return null;
    }
}
