package io.verity.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainLog;
import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.SettlementClient;
import io.verity.chain.devnet.Devnet;
import io.verity.chain.rpc.TxPolicy;
import io.verity.client.NodeApiClient;
import io.verity.gateway.Gateway;
import io.verity.gateway.GatewayConfig;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.hub.ModelHub;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import java.io.PrintStream;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Verification latency (issue 15): how long after a client has its answer the answer's receipt is provable on
 * chain, i.e. its batch's Merkle root is committed in a block with the configured confirmations on top, and what a
 * settled receipt costs in gas against settling it alone.
 *
 * <p>A real anvil mining a block every {@code block seconds} (interval mining, not one block per transaction),
 * {@code nodes} staked nodes started in-process with the node's default batching ({@link ChainSettings#of}) and
 * one gateway paying them with vouchers; Silero VAD requests with policy {@code none} in a closed loop at
 * {@code concurrency}, sustained from a warm-up through the measured window until every receipt answered in the
 * window is provable. The load tool notes when each answer in the window arrives; a watcher polls the chain every 20 ms for
 * Settlement's {@code BatchCommitted} events, and when a batch's block has its confirmations it fetches the
 * batch's receipt ids from the node that committed it: from that moment each of them is provable. Then it
 * stops the nodes and commits a batch of
 * one receipt as node 1, with a URI of the same length, for the gas of settling a receipt alone.
 *
 * <pre>java -cp 'benchmarks/target/lib/*:benchmarks/target/verity-benchmarks.jar' -Dverity.root=$PWD \
 *     io.verity.bench.SettlementLatency [seconds, 20] [concurrency, 8] [nodes, 2] [block seconds, 1]
 *     [batch size, batch min, batch age ms: the node defaults]</pre>
 * Results: docs/benchmarks.md, "Verification latency".
 */
public final class SettlementLatency {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger PRICE = BigInteger.TEN.pow(12);
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(3);

    private SettlementLatency() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int nodes = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int blockSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        if (nodes < 1 || nodes > 8) throw new IllegalArgumentException("nodes must be in 1..8, got " + nodes);
        ChainSettings batching = ChainSettings.of(Path.of("deployment.json"));
        if (args.length > 4) { // another batching than the node's defaults, for comparison
            batching = batching.withBatching(Integer.parseInt(args[4]), Duration.ofMillis(Long.parseLong(args[6])))
                    .withBatchMin(Integer.parseInt(args[5]));
        }
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        run(seconds, concurrency, nodes, Duration.ofSeconds(blockSeconds), batching, System.out);
    }

    /** A committed batch as the watcher saw it. */
    record Batch(Keccak256 root, EvmAddress node, long count, long block, long gasUsed, List<Keccak256> ids) {}

    /** @param batching the nodes' batch size, minimum and age (the rest of it is ignored) */
    static Result run(double seconds, int concurrency, int nodeCount, Duration blockTime, ChainSettings batching,
            PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("verity-settlement-latency");
        Path vad = Path.of(System.getProperty("verity.root", ".")).resolve("tools/node/node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx");
        ChainSettings defaults = batching;
        int confirmations = defaults.tx().confirmations();
        out.printf("settlement latency: %.0f s at concurrency %d, %d node(s), a block every %d s; node batching: size %d,"
                + " min %d, age %d ms, %d confirmation(s)%n", seconds, concurrency, nodeCount, blockTime.toSeconds(),
                defaults.batchSize(), defaults.batchMin(), defaults.batchAge().toMillis(), confirmations);
        List<InferenceNode> nodes = new ArrayList<>();
        Map<Keccak256, Long> answeredAt = new ConcurrentHashMap<>(); // receipt id -> System.nanoTime() of the answer
        Map<Keccak256, Long> provableAt = new ConcurrentHashMap<>();
        List<Batch> batches = java.util.Collections.synchronizedList(new ArrayList<>());
        long answers, errors;
        double elapsed;
        try (Devnet devnet = Devnet.builder().blockTime(blockTime).start();
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            Path deploymentFile = dir.resolve("deployment.json");
            devnet.deployment().write(deploymentFile);
            Map<EvmAddress, NodeApiClient> byAddress = new HashMap<>();
            try {
                for (int i = 1; i <= nodeCount; i++) {
                    Path home = dir.resolve("node" + i);
                    new ModelHub(home.resolve("models")).add(vad, "silero-vad", "5", "MIT", "npm:@ricky0123/vad-web");
                    InferenceNode n = InferenceNode.start(NodeConfig.defaults(home).withPrice(PRICE).withChainSettings(
                            ChainSettings.of(deploymentFile).withAccountKey(devnet.account(i).privateKeyHex())
                                    .withBatching(batching.batchSize(), batching.batchAge()).withBatchMin(batching.batchMin())));
                    nodes.add(n);
                    byAddress.put(n.address(), NodeApiClient.of(n.url()));
                }
                try (Gateway gateway = Gateway.start(GatewayConfig.builder(dir.resolve("gateway"), deploymentFile)
                        .clientKey(devnet.account(nodeCount + 1).privateKeyHex()).deposit(BigInteger.TEN.pow(20)).build());
                        ChainConnection chain = devnet.connect(0)) {
                    awaitHealthy(http, gateway, nodeCount);
                    AtomicBoolean stop = new AtomicBoolean();
                    Thread watcher = Thread.ofPlatform().name("batch-watcher").start(() -> watch(chain,
                            devnet.deployment().settlement(), confirmations, byAddress, provableAt, batches, stop));
                    URI infer = gateway.url().resolve("/v1/infer");
                    String body = GatewayLoad.vadBody("none");
                    // One sustained load: a warm-up (JIT; its receipts are not measured), the measured window, and
                    // load on until every measured receipt is provable, so the last ones are batched as under load
                    // rather than left to age out alone.
                    Window window = new Window();
                    AtomicBoolean loadStop = new AtomicBoolean();
                    try (ExecutorService pool = Executors.newFixedThreadPool(concurrency)) {
                        List<Future<long[]>> workers = new ArrayList<>();
                        for (int w = 0; w < concurrency; w++) {
                            workers.add(pool.submit(() -> worker(http, infer, body, window, answeredAt, loadStop)));
                        }
                        Thread.sleep((long) (Math.min(5, seconds / 4) * 1000));
                        window.open();
                        Thread.sleep((long) (seconds * 1000));
                        window.close();
                        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
                        while (!provableAt.keySet().containsAll(answeredAt.keySet()) && System.nanoTime() < deadline) Thread.sleep(100);
                        loadStop.set(true);
                        long[] sum = new long[2];
                        for (Future<long[]> f : workers) {
                            long[] c = f.get();
                            sum[0] += c[0];
                            sum[1] += c[1];
                        }
                        answers = sum[0];
                        errors = sum[1];
                        elapsed = window.seconds();
                    }
                    stop.set(true);
                    watcher.join();
                }
            } finally {
                nodes.forEach(InferenceNode::close);
                byAddress.values().forEach(NodeApiClient::close);
            }
            long alone = commitAlone(devnet, nodes.getFirst().url());
            return report(out, answeredAt, provableAt, batches, answers, errors, elapsed, alone);
        }
    }

    /** Waits until the gateway lists every node healthy. */
    private static void awaitHealthy(HttpClient http, Gateway gateway, int nodes) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            gateway.refreshNow();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(gateway.url().resolve("/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && JSON.readTree(r.body()).path("healthy").asInt() == nodes) return;
            Thread.sleep(200);
        }
        throw new IllegalStateException("the gateway did not list " + nodes + " healthy nodes within 120 s");
    }

    /** The measured part of the run, in System.nanoTime(). */
    static final class Window {
        private volatile long start = Long.MAX_VALUE, end = Long.MAX_VALUE;

        void open() {
            start = System.nanoTime();
        }

        void close() {
            end = System.nanoTime();
        }

        boolean contains(long t) {
            return t >= start && t < end;
        }

        double seconds() {
            return (end - start) / 1e9;
        }
    }

    /**
     * One closed-loop worker until {@code stop}; notes when each answer inside the window arrived, by its receipt
     * id. Returns {answers, errors} inside the window.
     */
    private static long[] worker(HttpClient http, URI url, String body, Window window, Map<Keccak256, Long> answeredAt,
            AtomicBoolean stop) throws Exception {
        long ok = 0, failed = 0;
        while (!stop.get()) {
            HttpResponse<byte[]> r;
            try {
                r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
            } catch (java.io.IOException e) {
                r = null; // a refused or reset connection is an error of the run, not its end
            }
            long at = System.nanoTime();
            if (!window.contains(at)) continue;
            if (r == null || r.statusCode() != 200) {
                failed++;
                continue;
            }
            ok++;
            JsonNode receipt = JSON.readTree(r.body()).get("receipts").get(0);
            answeredAt.put(ReceiptJson.read(receipt, "/receipts/0").id(), at);
        }
        return new long[] {ok, failed};
    }

    /**
     * Polls the chain; once a BatchCommitted event's block has {@code confirmations}, every receipt id of that
     * batch (read from the committing node) is provable from the moment the head was seen.
     */
    private static void watch(ChainConnection chain, EvmAddress address, int confirmations,
            Map<EvmAddress, NodeApiClient> nodes, Map<Keccak256, Long> provableAt, List<Batch> batches, AtomicBoolean stop) {
        long next = chain.blockNumber() + 1;
        List<ChainLog> waiting = new ArrayList<>();
        while (!stop.get()) {
            try {
                long head = chain.blockNumber();
                long seenAt = System.nanoTime();
                if (head >= next) {
                    chain.logs(List.of(address), next, head).stream()
                            .filter(l -> l.event().name().equals("BatchCommitted")).forEach(waiting::add);
                    next = head + 1;
                }
                for (var it = waiting.iterator(); it.hasNext(); ) {
                    ChainLog l = it.next();
                    if (l.blockNumber() + confirmations - 1 > head) continue;
                    it.remove();
                    Keccak256 root = l.event().arg("root");
                    EvmAddress node = l.event().arg("node");
                    JsonNode batch = nodes.get(node).batch(root).orElseThrow(() -> new IllegalStateException("no batch " + root));
                    List<Keccak256> ids = new ArrayList<>();
                    for (JsonNode id : batch.get("ids")) ids.add(Keccak256.parse(id.asText()));
                    ids.forEach(id -> provableAt.putIfAbsent(id, seenAt));
                    long gas = chain.outcome(l.txHash()) instanceof TxOutcome.Confirmed c ? c.gasUsed() : -1;
                    batches.add(new Batch(root, node, ((BigInteger) l.event().arg("count")).longValueExact(), l.blockNumber(), gas, ids));
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                System.err.println("watcher: " + e); // a failed poll is retried on the next round
            }
        }
    }

    /** Gas of committing one receipt alone: node 1 (stopped, still staked) commits a batch of one with a like URI. */
    private static long commitAlone(Devnet devnet, URI nodeUrl) {
        try (ChainConnection c = ChainConnection.open(devnet.rpcUrl(), devnet.account(1), TxPolicy.defaults())) {
            Keccak256 root = Keccak256.hash("one receipt alone".getBytes(StandardCharsets.UTF_8));
            String uri = nodeUrl.toString().replaceAll("/$", "") + "/v1/batches/" + root.toHex();
            TxOutcome t = new SettlementClient(c, devnet.deployment().settlement()).commitBatch(root, 1, uri);
            if (!(t instanceof TxOutcome.Confirmed confirmed)) throw new IllegalStateException("single commit: " + t);
            return confirmed.gasUsed();
        }
    }

    /**
     * What a run measured: answers and errors in the window, measured receipts never seen provable, the batches
     * holding measured receipts, and gas per settled receipt and of one receipt alone.
     */
    record Result(long answers, long errors, long unprovable, long[] latenciesNanos, int batches, double gasPerReceipt,
            long gasAlone) {}

    private static Result report(PrintStream out, Map<Keccak256, Long> answeredAt, Map<Keccak256, Long> provableAt,
            List<Batch> batches, long answers, long errors, double elapsed, long alone) {
        long[] latencies = answeredAt.entrySet().stream().filter(e -> provableAt.containsKey(e.getKey()))
                .mapToLong(e -> provableAt.get(e.getKey()) - e.getValue()).toArray();
        long unsettled = answeredAt.size() - latencies.length;
        // the batches that hold measured receipts (not the warm-up's)
        List<Batch> measured;
        synchronized (batches) {
            measured = batches.stream().filter(b -> b.gasUsed() > 0 && b.ids().stream().anyMatch(answeredAt::containsKey)).toList();
        }
        double receiptsPerBatch = measured.stream().mapToLong(Batch::count).average().orElse(Double.NaN);
        double gasPerBatch = measured.stream().mapToLong(Batch::gasUsed).average().orElse(Double.NaN);
        double perReceipt = measured.stream().mapToLong(Batch::gasUsed).sum()
                / (double) measured.stream().mapToLong(Batch::count).sum();
        out.printf("%n%d answers in %.1f s (%.0f/s), %d errors, %d measured receipts not provable within %s%n", answers,
                elapsed, answers / elapsed, errors, unsettled, SETTLE_TIMEOUT);
        out.printf("%n| answer -> provable | p50 | p90 | p99 | max |%n|---|---:|---:|---:|---:|%n");
        out.printf("| ms | %.0f | %.0f | %.0f | %.0f |%n", Latencies.percentileMs(latencies, 0.5),
                Latencies.percentileMs(latencies, 0.9), Latencies.percentileMs(latencies, 0.99),
                Latencies.percentileMs(latencies, 1.0));
        out.printf("%n| batches | receipts per batch (mean) | gas per batch commit (mean) | gas per settled receipt |"
                + " gas of one receipt alone | cost ratio (goal <= 0.01) |%n|---:|---:|---:|---:|---:|---:|%n");
        out.printf("| %d | %.1f | %,.0f | %,.0f | %,d | %.4f |%n", measured.size(), receiptsPerBatch, gasPerBatch, perReceipt,
                alone, perReceipt / alone);
        return new Result(answers, errors, unsettled, latencies, measured.size(), perReceipt, alone);
    }
}
