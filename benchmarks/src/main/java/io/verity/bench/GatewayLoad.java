package io.verity.bench;

import io.verity.chain.devnet.Devnet;
import io.verity.gateway.Gateway;
import io.verity.gateway.GatewayConfig;
import io.verity.gateway.pay.PayerHeaders;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.hub.ModelHub;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.EvmAddress;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load run: the gateway (docs/gateway.md) against calling its nodes directly, in one JVM and one run. A real
 * anvil devnet, three staked nodes started in-process (each with its own HTTP server, engine and receipt log)
 * and one gateway paying them with vouchers; Silero VAD requests in a closed loop (each worker sends its next
 * request when the previous answer arrives), at concurrency 1, 8 and 64:
 *
 * <ul>
 *   <li>direct: the load tool calls the three nodes round-robin, vs gateway with policy {@code none} over the
 *       same three nodes (same capacity behind both, so the throughput ratio is the gateway's cost);
 *   <li>{@code redundant:2} vs {@code none} latency at concurrency 1 and 8;
 *   <li>{@code sample:0.05} vs {@code none}: process CPU time per answered request (nodes are in-process, so
 *       this is the whole JVM: gateway, nodes and load tool).
 * </ul>
 *
 * The JIT is warmed up on every path first, then every point at its own concurrency before it is measured;
 * the targets compared with each other alternate in one-second slices so that other load on the machine
 * falls on both alike.
 *
 * <pre>./verity gateway-load [seconds per point, default 10]   (results: docs/benchmarks.md, "Gateway")</pre>
 */
public final class GatewayLoad {
    private static final BigInteger PRICE = BigInteger.TEN.pow(12);
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** One measured point. {@code cpuNanos} is the process CPU time spent during the measurement window. */
    record Result(String what, int concurrency, long requests, long errors, double seconds, long[] latenciesNanos,
            long cpuNanos) {
        double throughput() {
            return requests / seconds;
        }

        double percentileMs(double p) {
            return Latencies.percentileMs(latenciesNanos, p);
        }

        double cpuMicrosPerRequest() {
            return requests == 0 ? Double.NaN : cpuNanos / 1e3 / requests;
        }
    }

    /** One request; false when the answer was not a 200. */
    interface Call {
        boolean run() throws Exception;
    }

    /** Credit each node gives the direct caller (10^24 wei: far more than any run asks at these prices). */
    private static final BigInteger DIRECT_CREDIT = BigInteger.TEN.pow(24);

    private GatewayLoad() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        // Warnings only (a failing voucher or health check shows up), not every batch a node commits.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        run(seconds, System.out);
    }

    /** Runs every point with {@code seconds} of measurement each and prints the tables; returns the points. */
    public static List<Result> run(double seconds, PrintStream out) throws Exception {
        // Warm-up, JIT and idle phases as for any run of 0.5 s a point or more; shorter (smoke) runs shorten them too
        double warmup = Math.min(2, Math.max(Math.min(0.5, seconds), seconds / 5));
        Path dir = Files.createTempDirectory("verity-gateway-load");
        Path nodeModules = Path.of(System.getProperty("verity.root", ".")).resolve("tools/node/node_modules");
        Path vad = nodeModules.resolve("@ricky0123/vad-web/dist/silero_vad_v5.onnx");
        out.printf("gateway load: %.1f s per point after %.1f s warm-up; JDK %s; %d CPUs; load average %.2f%n", seconds,
                warmup, System.getProperty("java.runtime.version"), Runtime.getRuntime().availableProcessors(),
                OS.getSystemLoadAverage());

        List<Result> direct = new ArrayList<>(), none = new ArrayList<>(), redundant = new ArrayList<>();
        Result cpuNone, cpuSample;
        double idleCores;
        List<InferenceNode> nodes = new ArrayList<>();
        try (Devnet devnet = Devnet.builder().start();
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            Path deploymentFile = dir.resolve("deployment.json");
            devnet.deployment().write(deploymentFile);
            try {
                for (int i = 1; i <= 3; i++) {
                    Path home = dir.resolve("node" + i);
                    new ModelHub(home.resolve("models")).add(vad, "silero-vad", "5", "MIT", "npm:@ricky0123/vad-web");
                    // The direct calls name the gateway's client as payer and send no vouchers: the baseline measures
                    // serving, so the nodes extend that funded payer enough credit for a whole run.
                    nodes.add(InferenceNode.start(NodeConfig.defaults(home).withPrice(PRICE.multiply(BigInteger.valueOf(i)))
                            .withChainSettings(ChainSettings.of(deploymentFile).withAccountKey(devnet.account(i).privateKeyHex())
                                    .withPaymentCredit(DIRECT_CREDIT))));
                }
                try (Gateway gateway = Gateway.start(GatewayConfig.builder(dir.resolve("gateway"), deploymentFile)
                        .clientKey(devnet.account(4).privateKeyHex()).deposit(BigInteger.TEN.pow(20)).build())) {
                    List<URI> nodeUrls = nodes.stream().map(n -> n.url().resolve("/v1/infer")).toList();
                    List<EvmAddress> nodeAddresses = nodes.stream().map(InferenceNode::address).toList();
                    URI gatewayUrl = gateway.url().resolve("/v1/infer");
                    String nodeBody = vadBody(null);
                    AtomicInteger next = new AtomicInteger();
                    // Round-robin over the same three nodes the gateway routes to: the same capacity on both sides.
                    Target directCall = new Target("direct round-robin x3",
                            () -> {
                                int n = Math.floorMod(next.getAndIncrement(), nodeUrls.size());
                                return post(http, nodeUrls.get(n), nodeBody, Optional.of(
                                        PayerHeaders.of(Optional.of(devnet.account(4).key()), InstantSource.system()).to(nodeAddresses.get(n))));
                            });
                    Target noneCall = policyCall(http, gatewayUrl, "none");
                    Target redundantCall = policyCall(http, gatewayUrl, "redundant:2");
                    Target sampleCall = policyCall(http, gatewayUrl, "sample:0.05");
                    // JIT first: the gateway path is more code than a node's and reached steady state only after
                    // a minute in trial runs, which made whichever point came first look worse.
                    double jitSeconds = Math.max(Math.min(1, 2 * seconds), seconds / 2);
                    for (Target t : List.of(directCall, noneCall, redundantCall, sampleCall)) loop(8, jitSeconds, t.call());
                    idleCores = idleCores(Math.min(2, 4 * seconds));
                    out.printf("idle process CPU (nodes, gateway and chain clients doing background work): %.3f cores%n", idleCores);
                    for (int c : new int[] {1, 8, 64}) {
                        List<Result> r = interleaved(c == 64 ? List.of(directCall, noneCall) : List.of(directCall, noneCall, redundantCall),
                                c, warmup, seconds, out);
                        direct.add(r.get(0));
                        none.add(r.get(1));
                        if (c != 64) redundant.add(r.get(2));
                    }
                    // A pair of its own for CPU: none and sample:0.05 alternate slice by slice at c=8.
                    Target cpuPairNone = new Target("gateway none (CPU pair)", noneCall.call());
                    List<Result> cpu = interleaved(List.of(cpuPairNone, sampleCall), 8,
                            warmup, seconds, out);
                    cpuNone = cpu.get(0);
                    cpuSample = cpu.get(1);
                }
            } finally {
                nodes.forEach(InferenceNode::close);
            }
        }
        List<Result> all = new ArrayList<>();
        all.addAll(direct);
        all.addAll(none);
        all.addAll(redundant);
        all.add(cpuNone);
        all.add(cpuSample);
        report(out, direct, none, redundant, cpuNone, cpuSample, idleCores);
        out.printf("%nload average at the end: %.2f%n", OS.getSystemLoadAverage());
        return all;
    }

    private static void report(PrintStream out, List<Result> direct, List<Result> none, List<Result> redundant,
            Result cpuNone, Result cpuSample, double idleCores) {
        out.printf("%n| target | c | req/s | p50 ms | p99 ms | CPU µs/req | errors |%n|---|---:|---:|---:|---:|---:|---:|%n");
        List<Result> rows = new ArrayList<>();
        for (int i = 0; i < direct.size(); i++) {
            rows.add(direct.get(i));
            rows.add(none.get(i));
        }
        rows.addAll(redundant);
        rows.add(cpuNone);
        rows.add(cpuSample);
        for (Result r : rows) {
            out.printf("| %s | %d | %,.0f | %.3f | %.3f | %,.0f | %d |%n", r.what(), r.concurrency(), r.throughput(),
                    r.percentileMs(0.5), r.percentileMs(0.99), r.cpuMicrosPerRequest(), r.errors());
        }
        out.printf("%n| c | throughput gateway/direct (goal >= 0.9) | p50 added ms (goal <= 1) | p99 added ms |%n|---:|---:|---:|---:|%n");
        for (int i = 0; i < direct.size(); i++) {
            Result d = direct.get(i), g = none.get(i);
            out.printf("| %d | %.3f | %.3f | %.3f |%n", d.concurrency(), g.throughput() / d.throughput(),
                    g.percentileMs(0.5) - d.percentileMs(0.5), g.percentileMs(0.99) - d.percentileMs(0.99));
        }
        out.printf("%n| c | p50 redundant:2 / none (goal <= 1.1) | p99 redundant:2 / none |%n|---:|---:|---:|%n");
        for (int i = 0; i < redundant.size(); i++) {
            Result r = redundant.get(i), n = none.get(i);
            out.printf("| %d | %.3f | %.3f |%n", r.concurrency(), r.percentileMs(0.5) / n.percentileMs(0.5),
                    r.percentileMs(0.99) / n.percentileMs(0.99));
        }
        out.printf("%n| c | CPU µs/req none | CPU µs/req sample:0.05 | ratio (expected ~1.05) | ratio, idle CPU subtracted |%n"
                + "|---:|---:|---:|---:|---:|%n");
        double idleNone = idleCores * 1e6 / cpuNone.throughput(), idleSample = idleCores * 1e6 / cpuSample.throughput();
        out.printf("| %d | %,.0f | %,.0f | %.3f | %.3f |%n", cpuNone.concurrency(), cpuNone.cpuMicrosPerRequest(),
                cpuSample.cpuMicrosPerRequest(), cpuSample.cpuMicrosPerRequest() / cpuNone.cpuMicrosPerRequest(),
                (cpuSample.cpuMicrosPerRequest() - idleSample) / (cpuNone.cpuMicrosPerRequest() - idleNone));
    }

    /** Something to put load on, by name. */
    record Target(String name, Call call) {}

    private static Target policyCall(HttpClient http, URI url, String policy) {
        String body = vadBody(policy);
        return new Target("gateway " + policy, () -> post(http, url, body));
    }

    /** Process CPU time per wall-clock second while nobody sends requests, in cores. */
    private static double idleCores(double seconds) throws InterruptedException {
        long cpu0 = OS.getProcessCpuTime(), t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        return (double) (OS.getProcessCpuTime() - cpu0) / (System.nanoTime() - t0);
    }

    /**
     * Measures the targets at one concurrency in alternating one-second slices (ABC CBA ABC ...), so that
     * load from other processes on a shared machine, and JIT or chain activity, falls on all of them alike.
     */
    static List<Result> interleaved(List<Target> targets, int concurrency, double warmupSeconds, double seconds,
            PrintStream out) throws Exception {
        for (Target t : targets) loop(concurrency, warmupSeconds, t.call());
        int rounds = Math.max(1, (int) Math.round(seconds));
        double slice = seconds / rounds;
        int n = targets.size();
        List<List<long[]>> lat = new ArrayList<>();
        long[] cpu = new long[n], wall = new long[n];
        for (int i = 0; i < n; i++) lat.add(new ArrayList<>());
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < n; k++) {
                int i = round % 2 == 0 ? k : n - 1 - k;
                long cpu0 = OS.getProcessCpuTime(), t0 = System.nanoTime();
                lat.get(i).addAll(loop(concurrency, slice, targets.get(i).call()));
                wall[i] += System.nanoTime() - t0;
                cpu[i] += OS.getProcessCpuTime() - cpu0;
            }
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long errors = 0;
            List<long[]> ok = new ArrayList<>();
            for (long[] w : lat.get(i)) {
                // Failed calls are stored as negated latencies: counted, but kept out of throughput and percentiles.
                errors += Arrays.stream(w).filter(x -> x < 0).count();
                ok.add(Arrays.stream(w).filter(x -> x >= 0).toArray());
            }
            long[] merged = ok.stream().flatMapToLong(Arrays::stream).toArray();
            String what = targets.get(i).name();
            out.printf("%-24s c=%-3d %7d requests in %.1f s, %d errors%n", what, concurrency, merged.length, wall[i] / 1e9, errors);
            results.add(new Result(what, concurrency, merged.length, errors, wall[i] / 1e9, merged, cpu[i]));
        }
        return results;
    }

    /** A Silero VAD v5 request: one 512-sample window of a 220 Hz tone, zero state, 16 kHz. */
    static String vadBody(String policy) {
        float[] samples = new float[512];
        for (int i = 0; i < 512; i++) samples[i] = (float) (0.5 * Math.sin(2 * Math.PI * 220 * i / 16000.0));
        return "{\"model\":\"silero-vad\"," + (policy == null ? "" : "\"policy\":\"" + policy + "\",")
                + "\"inputs\":[" + NodeLoad.tensor("input", "[1,512]", NodeLoad.floats(samples))
                + "," + NodeLoad.tensor("state", "[2,1,128]", NodeLoad.floats(new float[256]))
                + ",{\"name\":\"sr\",\"dtype\":\"int64\",\"shape\":[],\"data\":[16000]}]}";
    }

    private static boolean post(HttpClient http, URI url, String body) throws Exception {
        return post(http, url, body, Optional.empty());
    }

    /**
     * @param payer named and proven to a node called directly (a charging node serves only a named, funded payer),
     *     signed per request as the gateway does, so both sides pay for that signature
     */
    private static boolean post(HttpClient http, URI url, String body, Optional<Map<String, String>> payer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        payer.ifPresent(h -> h.forEach(b::header));
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return r.statusCode() == 200;
    }

    private static List<long[]> loop(int concurrency, double seconds, Call call) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<long[]>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    long[] lat = new long[1 << 12];
                    int n = 0;
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        boolean ok;
                        try {
                            ok = call.run();
                        } catch (java.io.IOException e) {
                            ok = false; // a refused or reset connection is an error of this point, not the end of the run
                        }
                        long dt = System.nanoTime() - t0;
                        if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                        lat[n++] = ok ? dt : -dt - 1;
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> f : workers) all.add(f.get());
            return all;
        } finally {
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
