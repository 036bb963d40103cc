package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.devnet.Devnet;
import io.verity.chain.contracts.SettledCheck;
import io.verity.chain.ChainAccount;
import io.verity.node.NodeMain;
import io.verity.node.fixture.CommittedBatches;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Nodes as child JVMs, as {@code NodeMain} runs them, on one chain, so a test can SIGKILL one: the fixture of
 * NetworkFaultsIT and ChaosIT. Each node's home is {@code dir/node<account>}; {@code models} fills a fresh
 * home's hub once.
 */
final class ChildNodes {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A node in its own JVM. */
    record NodeProcess(int account, Path home, Process process, URI url, EvmAddress address, List<String> flags) {}

    private final Path dir;
    private final IntFunction<ChainAccount> accounts;
    private final Path deploymentFile;
    private final Consumer<ModelHub> models;

    /** {@code accounts}: the chain's dev accounts by index (a LocalChain's or a Devnet's {@code account}). */
    ChildNodes(Path dir, IntFunction<ChainAccount> accounts, Path deploymentFile, Consumer<ModelHub> models) {
        this.dir = dir;
        this.accounts = accounts;
        this.deploymentFile = deploymentFile;
        this.models = models;
    }

    /** Fills a hub with Silero VAD from the npm install: the model every network test serves. */
    static void sileroVad(ModelHub hub) {
        hub.add(io.verity.testing.TestPaths.nodeModules().resolve("@ricky0123/vad-web/dist/silero_vad_v5.onnx"),
                "silero-vad", "5", "MIT", "npm:@ricky0123/vad-web");
    }

    /** Starts (or restarts, same home, key and port; 0 = any free port) a node JVM and waits for its READY line. */
    NodeProcess start(int account, int port, BigInteger price, List<String> flags) {
        try {
            Path home = dir.resolve("node" + account);
            if (!Files.exists(home.resolve("models"))) models.accept(new ModelHub(home.resolve("models")));
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), NodeMain.class.getName(),
                    "--home", home.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--price-wei", price.toString(), "--deployment", deploymentFile.toString(),
                    "--batch-size", "64", "--batch-age-ms", "500", "--redeem-interval-ms", "500"));
            cmd.addAll(flags);
            long run = System.nanoTime();
            Path stdout = home.resolve("stdout-" + run + ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(home.resolve("stderr.log").toFile()));
            pb.environment().put("VERITY_NODE_KEY", accounts.apply(account).privateKeyHex());
            Process p = pb.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                for (String line : Files.readAllLines(stdout, StandardCharsets.UTF_8)) {
                    if (line.startsWith("READY ")) {
                        String[] parts = line.split(" ");
                        return new NodeProcess(account, home, p, URI.create(parts[1]), EvmAddress.parse(parts[2]), flags);
                    }
                }
                if (!p.isAlive()) break;
                Thread.sleep(50);
            }
            p.destroyForcibly();
            throw new IllegalStateException("node " + account + " did not print READY (exit " + (p.isAlive() ? "-" : p.exitValue())
                    + "); see " + home.resolve("stderr.log"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start node " + account, e);
        }
    }

    /** How many receipts of a load {@link #assertAllSettled} also takes down the full per-receipt path. */
    static final int FULLY_CHECKED = 64;

    /**
     * Waits until every receipt is in a batch {@code n} committed on chain: each batch's served ids hash to its root on
     * chain ({@link CommittedBatches}), one eth_call and one GET per batch, where the full path per receipt is a GET
     * and two eth_calls (a load test hands out thousands; receipt by receipt it was most of these tests' time). That
     * full path ({@link #assertSettled}: the node's inclusion proof, Settlement.isIncluded and verifyReceipt, which
     * also checks the signature and the id on chain) runs on a seeded random sample of {@link #FULLY_CHECKED}, eight
     * at a time. Every receipt's signature is checked here against the chain's domain. Returns how many were checked.
     */
    static int assertAllSettled(HttpClient http, ChainClients chain, NodeProcess n, List<SignedReceipt> receipts,
            Duration timeout) throws InterruptedException {
        Eip712Domain domain = Eip712Domain.verity(chain.connection().chainId(), chain.deployment().settlement());
        for (SignedReceipt r : receipts) assertThat(r.verify(domain).isValid()).as("signature of receipt %s", r.id()).isTrue();
        // Awaitility polls on its own thread
        Set<Keccak256> missing = ConcurrentHashMap.newKeySet();
        receipts.forEach(r -> missing.add(r.id()));
        Map<Long, List<Keccak256>> batches = new ConcurrentHashMap<>();
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
                CommittedBatches.readNew(chain, http, n.url(), n.address(), batches);
                batches.values().forEach(missing::removeAll);
                return missing.isEmpty();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(missing.size() + " of " + receipts.size() + " receipts, such as " + missing.iterator().next()
                    + ", are in no batch node " + n.account() + " committed within " + timeout, e);
        }
        List<SignedReceipt> sample = new ArrayList<>(receipts);
        Collections.shuffle(sample, new Random(receipts.size()));
        sample = sample.subList(0, Math.min(FULLY_CHECKED, sample.size()));
        try (ExecutorService checks = Executors.newFixedThreadPool(8)) {
            List<Future<?>> pending = new ArrayList<>();
            for (SignedReceipt r : sample) {
                pending.add(checks.submit(() -> {
                    try {
                        assertSettled(http, chain, n, r, timeout);
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        throw new AssertionError("receipt " + r.id() + ": no inclusion proof from its node within " + timeout, e);
                    }
                }));
            }
            for (Future<?> f : pending) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    pending.forEach(p -> p.cancel(true));
                    if (e.getCause() instanceof Error err) throw err;
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw new IllegalStateException(e.getCause());
                }
            }
            return receipts.size();
        }
    }

    /**
     * Waits until {@code n} serves the Merkle proof of receipt {@code r}, then checks on chain that it is
     * included in the batch the node names and that Settlement.verifyReceipt accepts it.
     */
    static void assertSettled(HttpClient http, ChainClients chain, NodeProcess n, SignedReceipt r, Duration timeout) {
        JsonNode proof = await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(n.url().resolve("/v1/receipts/" + r.id().toHex() + "/proof"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            return resp.statusCode() == 200 ? JSON.readTree(resp.body()) : null;
        }, b -> b != null);
        List<Keccak256> path = new ArrayList<>();
        proof.get("proof").forEach(h -> path.add(Keccak256.parse(h.asText())));
        long batchId = proof.get("batchId").asLong();
        assertThat(chain.settlement().isIncluded(batchId, r.id(), path)).as("receipt %s in batch %d", r.id(), batchId).isTrue();
        SettledCheck check = chain.settlement().verifyReceipt(r, batchId, path);
        assertThat(check).as("on-chain check of %s", r.id()).isInstanceOf(SettledCheck.Settled.class);
    }

    /** Writes what a fault test measured to {@code target/<file>} for docs/benchmarks.md; nothing when it measured nothing. */
    static void writeReport(String file, java.util.Map<String, Object> report) {
        if (report.isEmpty()) return;
        try {
            Path out = Path.of("target", file);
            Files.createDirectories(out.getParent());
            Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
        } catch (java.io.IOException e) {
            System.err.println("cannot write target/" + file + ": " + e);
        }
    }
}
