package io.verity.cli.up;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.Deployment;
import io.verity.cli.Main;
import io.verity.cli.Checks;
import io.verity.cli.OnChainCheck;
import io.verity.engine.text.TextModel;
import io.verity.llm.EmbeddingDigests;
import io.verity.client.InferenceException;
import io.verity.client.NodeApiClient;
import io.verity.protocol.wire.Payment;
import io.verity.client.UnverifiedAnswerException;
import io.verity.protocol.wire.AnswerVerdict;
import io.verity.client.VerifiedAnswer;
import io.verity.client.VerityClient;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.InclusionProof;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The demo {@code verity up} runs on its network: one Silero VAD request with {@code policy: redundant:2}
 * sent to the gateway through the Java SDK, which refuses any answer it cannot verify (signatures, digests,
 * request id, this chain's domain, quorum and agreement). Then, as a stranger would: each receipt checked
 * offline, each paid node seen holding the gateway's voucher and redeeming it on chain, and each receipt found
 * in a batch its node committed to Settlement. Last, one OpenAI embeddings call (all-MiniLM-L6-v2, the same
 * policy) whose receipts are checked against the vectors.
 */
public final class NetworkDemo {
    static final Policy POLICY = new Policy.Redundant(2);
    /** The first request on cold node JVMs (ONNX Runtime sessions, JIT) is slow; the SDK's default 30 s is tight. */
    static final Duration INFER_TIMEOUT = Duration.ofSeconds(90);
    /** Nodes redeem every 2 s by default; a redeem transaction is mined at once on anvil. */
    static final Duration REDEEM_TIMEOUT = Duration.ofSeconds(15);

    private final PrintStream out;
    private final Network network;

    NetworkDemo(PrintStream out, Network network) {
        this.out = out;
        this.network = network;
    }

    /** Runs the demo and prints every check; true when all passed. */
    boolean run() throws IOException, InterruptedException {
        DemoModels.Demo vad = DemoModels.SILERO_VAD;
        List<Tensor> inputs = List.of(
                Tensor.ofFloats("input", Shape.of(1, 512), UpCommand.voicedSignal(512, 16000, 42)),
                Tensor.ofFloats("state", Shape.of(2, 1, 128), new float[256]),
                Tensor.ofLongs("sr", Shape.of(), 16000));
        Deployment d = network.devnet().deployment();
        Eip712Domain domain = Eip712Domain.verity(d.chainId(), d.settlement());

        URI gw = network.gatewayUrl();
        out.println("\nDemo: POST " + gw + "/v1/infer  model=" + vad.name() + "  policy=" + POLICY.wireName()
                + "  (512 samples of a 16 kHz voiced signal), through the Java SDK (VerityClient)");
        VerifiedAnswer answer;
        try (VerityClient sdk = VerityClient.builder(gw).trust(domain).timeout(INFER_TIMEOUT).build()) {
            answer = sdk.infer(vad.name(), inputs, POLICY);
        } catch (UnverifiedAnswerException e) {
            out.println("  FAIL the SDK refused the gateway's answer: " + e.check() + ": " + e.getMessage());
            out.println("  demo: FAILED (see the FAIL lines above)");
            return false;
        } catch (InferenceException e) {
            out.println("  FAIL no answer from the gateway: " + e.getMessage());
            out.println("  demo: FAILED (see the FAIL lines above)");
            return false;
        }
        out.println("  SDK: answer accepted (" + answer.receipts().size() + " receipts signed under chain " + d.chainId()
                + " / Settlement " + d.settlement() + ", request id, digests, quorum and agreement checked)");
        out.printf("  speech probability: %.4f%n", answer.output("output").floats()[0]);
        AnswerVerdict v = answer.verdict();
        out.println("  verdict: " + v.status().wireName() + " (" + v.agreeing() + " of " + v.asked() + " agreed, comparison "
                + v.comparison().wireName() + ")");
        boolean ok = answer.receipts().size() == 2 && v.status() == AnswerVerdict.Status.AGREED;
        if (answer.receipts().size() != 2) {
            out.println("  FAIL expected 2 receipts for " + POLICY.wireName() + ", got " + answer.receipts().size());
        }

        Path demoDir = network.home().resolve("demo");
        Files.createDirectories(demoDir);
        Path inputsFile = demoDir.resolve("inputs.json");
        ObjectNode in = Main.JSON.createObjectNode();
        ArrayNode inputsJson = in.putArray("inputs");
        for (Tensor t : inputs) inputsJson.add(TensorJson.write(t));
        Files.writeString(inputsFile, Main.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(in));
        ArrayNode outputsJson = Main.JSON.createArrayNode();
        for (Tensor t : answer.outputs()) outputsJson.add(TensorJson.write(t));
        List<Path> saved = new ArrayList<>();
        for (int i = 0; i < answer.receipts().size(); i++) {
            SignedReceipt r = answer.receipts().get(i);
            out.println("  receipt " + (i + 1) + ": " + r.id());
            out.println("    node " + r.receipt().node() + " (" + nodeName(r.receipt().node()) + ")  engine "
                    + r.receipt().engine() + "  price " + r.receipt().price() + " wei");
            out.println("    inputs " + r.receipt().inputsDigest() + "  outputs " + r.receipt().outputsDigest());
            List<Checks.Check> checks = new ArrayList<>(Checks.run(r, inputs, answer.outputs()));
            boolean ours = network.nodes().stream().anyMatch(n -> n.address().equals(r.receipt().node()));
            checks.add(new Checks.Check("node-identity", ours, ours ? "signer is one of this network's nodes"
                    : "signer " + r.receipt().node() + " is none of this network's nodes"));
            out.println("    verification (offline, as any client can):");
            print(checks);
            ok &= Checks.allPassed(checks);
            // one file per receipt in a node's answer shape {outputs, receipt}, so `verity verify` reads it
            ObjectNode resp = Main.JSON.createObjectNode();
            resp.set("outputs", outputsJson);
            resp.set("receipt", ReceiptJson.write(r));
            Path file = demoDir.resolve("response-" + (i + 1) + ".json");
            Files.writeString(file, Main.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(resp));
            if (i == 0) Files.writeString(demoDir.resolve("response.json"), Files.readString(file));
            saved.add(file);
        }

        EvmAddress client = network.client().address();
        boolean paid = !answer.payments().isEmpty();
        for (Payment p : answer.payments()) {
            out.println("  payment: " + p.amount() + " wei to " + p.node() + " (" + nodeName(p.node()) + "): voucher from client "
                    + client + ", cumulative " + p.cumulativeAmount());
        }
        for (SignedReceipt r : answer.receipts()) {
            boolean found = answer.payments().stream().anyMatch(p -> p.node().equals(r.receipt().node())
                    && p.amount().equals(r.receipt().price()));
            if (!found) out.println("  FAIL no payment of " + r.receipt().price() + " wei to " + r.receipt().node());
            paid &= found;
        }
        ok &= paid;

        out.println("  vouchers: each paid node holds the gateway's voucher and redeems it on chain (GET /v1/vouchers/" + client
                + ", Payments.redeemed):");
        List<Checks.Check> vouchers = new ArrayList<>();
        for (Payment p : answer.payments()) vouchers.add(voucherRedeemed(p, client, d));
        print(vouchers);
        ok &= Checks.allPassed(vouchers);

        out.println("  waiting for the nodes to settle their batches on chain ...");
        for (SignedReceipt r : answer.receipts()) {
            Optional<Network.Node> signer = network.nodes().stream().filter(n -> n.address().equals(r.receipt().node())).findFirst();
            JsonNode proof = signer.isPresent() ? awaitProof(signer.get().url(), r.id()) : null;
            List<Checks.Check> onChain = OnChainCheck.run(r, d, Optional.ofNullable(proof));
            out.println("  receipt " + r.id().toString().substring(0, 10) + "… on chain (Settlement.verifyReceipt and NodeRegistry):");
            print(onChain);
            ok &= Checks.allPassed(onChain);
        }
        out.println("  saved: check them yourself with");
        for (Path f : saved) out.println("    ./verity verify " + f + " --inputs " + inputsFile + UpCommand.homeArg(network.home()));
        out.println("    node tools/verify-receipt.mjs " + demoDir.resolve("response.json"));
        ok &= embeddings(gw, domain);
        out.println(ok ? "  demo: passed" : "  demo: FAILED (see the FAIL lines above)");
        return ok;
    }

    /**
     * The voucher check of one payment: the node says it holds at least the gateway's cumulative amount, and
     * within {@link #REDEEM_TIMEOUT} its redemption reaches that amount, read from the node and from the
     * Payments contract itself (the node's word alone would not prove it was paid).
     */
    private Checks.Check voucherRedeemed(Payment p, EvmAddress client, Deployment d) throws InterruptedException {
        String name = "voucher " + nodeName(p.node());
        Optional<Network.Node> node = network.nodes().stream().filter(n -> n.address().equals(p.node())).findFirst();
        if (node.isEmpty()) return new Checks.Check(name, false, "paid " + p.node() + " is none of this network's nodes");
        BigInteger held = BigInteger.ZERO, redeemed = BigInteger.ZERO, onChain = BigInteger.ZERO;
        String lastError = "";
        long deadline = System.nanoTime() + REDEEM_TIMEOUT.toNanos();
        try (ChainClients chain = ChainClients.connect(d, network.client()); NodeApiClient nc = NodeApiClient.of(node.get().url())) {
            do {
                try {
                    NodeApiClient.Channel c = nc.channel(client);
                    held = c.held();
                    redeemed = c.redeemed();
                    lastError = "";
                } catch (InferenceException e) {
                    lastError = "; last GET failed: " + e.getMessage();
                }
                onChain = chain.payments().redeemed(client, p.node());
                if (held.compareTo(p.cumulativeAmount()) >= 0 && redeemed.compareTo(p.cumulativeAmount()) >= 0
                        && onChain.compareTo(p.cumulativeAmount()) >= 0) {
                    return new Checks.Check(name, true, "holds cumulative " + held + " wei, redeemed " + redeemed
                            + " (Payments.redeemed " + onChain + ")");
                }
                Thread.sleep(250);
            } while (System.nanoTime() < deadline);
        }
        return new Checks.Check(name, false, "after " + REDEEM_TIMEOUT.toSeconds() + " s: holds " + held + ", redeemed " + redeemed
                + " (Payments.redeemed " + onChain + "), expected at least " + p.cumulativeAmount() + lastError);
    }

    /** The sentences the embeddings demo compares: two alike, one not. */
    static final List<String> SENTENCES = List.of("Every answer carries a signed receipt.",
            "Each response comes with a signature.", "The cat sat on the mat.");

    /**
     * One OpenAI embeddings call through the gateway ({@code redundant:2}): each receipt checked offline (signature in
     * this chain's domain, signer one of this network's nodes, outputs digest recomputed from the vectors).
     */
    private boolean embeddings(URI gw, Eip712Domain domain) throws IOException, InterruptedException {
        String model = TextModel.ALL_MINILM_L6_V2.modelName();
        out.println("\nDemo: POST " + gw + "/v1/embeddings  model=" + model + "  policy=" + POLICY.wireName()
                + "  (" + SENTENCES.size() + " sentences; any OpenAI client works, docs/llm.md)");
        ObjectNode body = Main.JSON.createObjectNode().put("model", model);
        SENTENCES.forEach(body.putArray("input")::add);
        HttpResponse<String> r;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            r = http.send(HttpRequest.newBuilder(gw.resolve(EmbeddingDigests.PATH)).timeout(INFER_TIMEOUT)
                    .header("Content-Type", "application/json").header("Verity-Policy", POLICY.wireName())
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        }
        if (r.statusCode() != 200) {
            out.println("  FAIL the gateway answered " + r.statusCode() + ": " + r.body());
            return false;
        }
        JsonNode answer = Main.JSON.readTree(r.body());
        JsonNode verity = answer.path("verity");
        float[] v = EmbeddingDigests.outputs(answer).get(0).floats();
        int dim = v.length / SENTENCES.size();
        out.printf("  %d vectors of %d dimensions; cosine(1, 2) = %.3f, cosine(1, 3) = %.3f%n", SENTENCES.size(), dim,
                dot(v, 0, 1, dim), dot(v, 0, 2, dim));
        out.println("  verdict: " + verity.at("/verdict/status").asText() + " (" + verity.at("/verdict/agreeing").asInt() + " of "
                + verity.at("/verdict/asked").asInt() + " agreed, comparison " + verity.at("/verdict/comparison").asText() + ")");
        List<Checks.Check> checks = new ArrayList<>();
        checks.add(new Checks.Check("verdict", verity.at("/verdict/status").asText().equals("agreed"),
                verity.at("/verdict/status").asText()));
        Keccak256 outputs = EmbeddingDigests.response(answer);
        for (JsonNode rj : verity.path("receipts")) {
            SignedReceipt receipt = ReceiptJson.read(rj, "");
            boolean signed = receipt.verify(domain) instanceof io.verity.protocol.receipt.ReceiptVerdict.Verified;
            boolean ours = network.nodes().stream().anyMatch(n -> n.address().equals(receipt.receipt().node()));
            checks.add(new Checks.Check("receipt " + nodeName(receipt.receipt().node()), signed && ours
                    && receipt.receipt().outputsDigest().equals(outputs), "signature " + (signed ? "ok" : "INVALID") + ", outputs "
                    + receipt.receipt().outputsDigest() + (receipt.receipt().outputsDigest().equals(outputs) ? " = " : " != ")
                    + "the vectors' digest"));
        }
        if (checks.size() < 3) checks.add(new Checks.Check("receipts", false, "expected 2 receipts, got " + (checks.size() - 1)));
        print(checks);
        // the exchange as `verity verify --transcript` reads it: the request as sent, the answer with its verity object
        Path saved = network.home().resolve("demo/embeddings.json");
        ObjectNode transcript = Main.JSON.createObjectNode().put("path", EmbeddingDigests.PATH);
        transcript.set("request", body);
        transcript.set("response", answer);
        Main.JSON.writerWithDefaultPrettyPrinter().writeValue(saved.toFile(), transcript);
        out.println("  saved: ./verity verify --transcript " + saved + " --offline");
        return Checks.allPassed(checks);
    }

    /** The dot product of two of the unit vectors in {@code v}: their cosine. */
    private static double dot(float[] v, int a, int b, int dim) {
        double d = 0;
        for (int i = 0; i < dim; i++) d += (double) v[a * dim + i] * v[b * dim + i];
        return d;
    }

    private void print(List<Checks.Check> checks) {
        for (Checks.Check c : checks) out.printf("      %-4s %-15s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail());
    }

    private String nodeName(EvmAddress address) {
        return network.nodes().stream().filter(n -> n.address().equals(address)).map(Network.Node::name).findFirst()
                .orElse("unknown");
    }

    /** Polls the signer for the receipt's inclusion proof until its batch is committed (or a minute passes). */
    private static JsonNode awaitProof(URI node, Keccak256 id) throws InterruptedException {
        try (NodeApiClient client = NodeApiClient.of(node)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    Optional<InclusionProof> p = client.proof(id);
                    if (p.isPresent()) return p.get().toJson();
                } catch (InferenceException notYet) {
                    // a node restarting or briefly unreachable: ask again
                }
                Thread.sleep(250);
            }
        }
        return null;
    }
}
