package io.verity.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.devnet.Devnet;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeSettings;
import io.verity.gateway.Gateway;
import io.verity.gateway.GatewayConfig;
import io.verity.llm.ChatMessage;
import io.verity.llm.Completion;
import io.verity.llm.LlmEngine;
import io.verity.llm.Sampling;
import io.verity.llm.gguf.TinyLlama;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.settle.ChainSettings;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Language-model streaming through the node and the gateway, against llama.cpp called directly, in one run:
 * the tiny GGUF, greedy, the same prompt, one request at a time, the paths interleaved and sharing one
 * llama.cpp process (a second one's idle threads would compete for the CPU).
 *
 * <ul>
 *   <li>llama.cpp direct: {@link LlmEngine#chat} (its child process, no HTTP);
 *   <li>the node's {@code /v1/chat/completions}, not streamed and streamed (SSE);
 *   <li>the gateway's {@code /v1/chat/completions} (policy none) in front of that node, not streamed and
 *       streamed: a real anvil devnet, the node staked and registered with the model, the gateway checking
 *       every receipt and paying it with a voucher.
 * </ul>
 *
 * For each: time to the first token, to the last token and to the whole answer (streamed: {@code [DONE]},
 * after the receipt chunk), and the completion tokens. Decode rate: tokens after the first per second between
 * the first and the last token; end to end: tokens per second of the whole request.
 *
 * <pre>./verity llm-load [requests [max_tokens [tiny|gpt2-small [llama_threads]]]]   (defaults 200, 64, tiny, 2; results: docs/benchmarks.md)</pre>
 *
 * {@code gpt2-small} generates a GPT-2-small-shaped model ({@link TinyLlama.Size#GPT2_SMALL_SHAPED}): the
 * per-token overhead of the node and the gateway is fixed, so the ratio depends on what a token costs.
 */
public final class LlmLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One path's measurements, one entry per request. */
    record Result(String what, long[] totalNanos, long[] firstTokenNanos, long[] lastTokenNanos, int[] tokens, boolean streamed) {
        double p(long[] a, double q) {
            return Latencies.percentileMs(a, q);
        }

        double p50TotalMs() {
            return p(totalNanos, 0.5);
        }

        double p50FirstTokenMs() {
            return p(firstTokenNanos, 0.5);
        }

        /** Median tokens per second between the first and the last token; NaN when the answer came whole. */
        double decodeRate() {
            if (!streamed) return Double.NaN;
            double[] r = new double[tokens.length];
            for (int i = 0; i < r.length; i++) {
                long span = lastTokenNanos[i] - firstTokenNanos[i];
                r[i] = span <= 0 ? Double.NaN : (tokens[i] - 1) / (span / 1e9);
            }
            return median(r);
        }

        /** Median tokens per second of the whole request. */
        double endToEndRate() {
            double[] r = new double[tokens.length];
            for (int i = 0; i < r.length; i++) r[i] = tokens[i] / (totalNanos[i] / 1e9);
            return median(r);
        }

        private static double median(double[] a) {
            double[] s = a.clone();
            Arrays.sort(s);
            return s.length == 0 ? Double.NaN : s[s.length / 2];
        }
    }

    static final int WARMUP = 10;
    static final String MODEL = "tiny-llama";
    static final List<ChatMessage> MESSAGES = List.of(new ChatMessage("user", "Tell me something."));
    static final String BODY = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something.\"}],"
            + "\"temperature\":0,\"max_tokens\":%d%s}";
    static final List<String> PATHS = List.of("llama.cpp direct (child process)", "node, not streamed", "node, streamed (SSE)",
            "gateway, not streamed", "gateway, streamed (SSE)");

    public static void main(String[] args) throws Exception {
        TinyLlama.Size size = TinyLlama.Size.TINY;
        if (args.length > 2) {
            size = switch (args[2]) {
                case "tiny" -> TinyLlama.Size.TINY;
                case "gpt2-small" -> TinyLlama.Size.GPT2_SMALL_SHAPED;
                default -> throw new IllegalArgumentException("model size: expected tiny or gpt2-small, got " + args[2]);
            };
        }
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        run(args.length > 0 ? Integer.parseInt(args[0]) : 200, args.length > 1 ? Integer.parseInt(args[1]) : 64, size, threads,
                System.out);
    }

    static List<Result> run(int requests, int maxTokens, PrintStream out) throws Exception {
        return run(requests, maxTokens, TinyLlama.Size.TINY, 2, out);
    }

    /** @param threads llama.cpp's threads: on two cores, 1 leaves the node, the gateway and the load tool a core. */
    static List<Result> run(int requests, int maxTokens, TinyLlama.Size size, int threads, PrintStream out) throws Exception {
        Path home = Files.createTempDirectory("verity-llm-load");
        Path gguf = home.resolve("tiny.gguf");
        TinyLlama.write(gguf, 1, size);
        gguf.toFile().deleteOnExit(); // up to 340 MB
        List<Result> results = new ArrayList<>();
        Sampling greedy = new Sampling(0, 1, 0, maxTokens);
        try (Devnet devnet = Devnet.builder().stateDir(home.resolve("chain")).start();
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            Path deploymentFile = home.resolve("deployment.json");
            devnet.deployment().write(deploymentFile);
            // One llama.cpp process for every path; the node owns it (and closes it), the direct path borrows it.
            LlmEngine engine = LlmEngine.start(gguf, threads, null);
            NodeConfig config = NodeConfig.defaults(home.resolve("node")).withPrice(BigInteger.TEN.pow(9))
                    .withChainSettings(ChainSettings.of(deploymentFile).withAccountKey(devnet.account(1).privateKeyHex())
                            // direct calls name the gateway's client as payer and send no vouchers: credit for a whole run
                            .withPaymentCredit(BigInteger.TEN.pow(24)));
            try (InferenceNode node = InferenceNode.start(config, OnnxRuntimeEngine.create(OnnxRuntimeSettings.defaults()),
                    InstantSource.system(), Map.of(MODEL, engine));
                    Gateway gateway = Gateway.start(GatewayConfig.builder(home.resolve("gateway"), deploymentFile)
                            .clientKey(devnet.account(4).privateKeyHex()).deposit(BigInteger.TEN.pow(18)).build())) {
                awaitRouted(gateway, http);
                io.verity.gateway.pay.PayerHeaders payer = io.verity.gateway.pay.PayerHeaders.of(
                        java.util.Optional.of(devnet.account(4).key()), InstantSource.system());
                io.verity.protocol.EvmAddress to = node.address();
                List<Call> calls = List.of(
                        m -> {
                            Completion c = engine.chat(MESSAGES, greedy, List.of(), null, t -> m.token());
                            m.tokens = c.completionTokens();
                        },
                        m -> whole(http, post(node.url(), BODY.formatted(maxTokens, ""), payer, to), m),
                        m -> streamed(http, post(node.url(), BODY.formatted(maxTokens, ",\"stream\":true"), payer, to), m),
                        m -> whole(http, post(gateway.url(), BODY.formatted(maxTokens, ""), payer, to), m),
                        m -> streamed(http, post(gateway.url(), BODY.formatted(maxTokens, ",\"stream\":true"), payer, to), m));
                for (int i = 0; i < WARMUP; i++) for (Call c : calls) c.run(new Marks());
                int n = calls.size();
                long[][] total = new long[n][requests], first = new long[n][requests], last = new long[n][requests];
                int[][] tokens = new int[n][requests];
                // Interleaved, so drift in the machine's load (other builds, JIT) hits every path alike.
                for (int i = 0; i < requests; i++) {
                    for (int k = 0; k < n; k++) {
                        Marks m = new Marks();
                        long t0 = System.nanoTime();
                        calls.get(k).run(m);
                        long t1 = System.nanoTime();
                        total[k][i] = t1 - t0;
                        first[k][i] = (m.first == 0 ? t1 : m.first) - t0;
                        last[k][i] = (m.last == 0 ? t1 : m.last) - t0;
                        tokens[k][i] = m.tokens;
                    }
                }
                for (int k = 0; k < n; k++) {
                    results.add(new Result(PATHS.get(k), total[k], first[k], last[k], tokens[k], k == 0 || k == 2 || k == 4));
                }
            }
        }
        out.printf("model %s, llama.cpp threads %d%n", size, threads);
        report(results, requests, maxTokens, out);
        return results;
    }

    /** The node registers the model on its first contact with the chain; the gateway routes once it sees that. */
    private static void awaitRouted(Gateway gateway, HttpClient http) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            gateway.refreshNow();
            String models = http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (models.contains("\"verity_kind\":\"llm\"")) return;
            Thread.sleep(250);
        }
        throw new IllegalStateException("the gateway does not route to the node's language model after 60 s");
    }

    /** When the first and the last token arrived, and how many there were. */
    static final class Marks {
        long first;
        long last;
        int tokens;

        void token() {
            long now = System.nanoTime();
            if (first == 0) first = now;
            last = now;
        }
    }

    interface Call {
        void run(Marks marks) throws Exception;
    }

    private static void whole(HttpClient http, HttpRequest req, Marks m) throws Exception {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException(r.body());
        m.token(); // every token arrives with the whole answer
        m.tokens = JSON.readTree(r.body()).at("/usage/completion_tokens").asInt();
    }

    private static void streamed(HttpClient http, HttpRequest req, Marks m) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode());
        Iterator<String> lines = r.body().iterator();
        boolean done = false;
        while (lines.hasNext()) {
            String l = lines.next();
            if (l.contains("\"delta\":{\"content\":\"") && !l.contains("\"role\"")) m.token();
            if (l.startsWith("data: {") && l.contains("\"verity\"")) {
                JsonNode last = JSON.readTree(l.substring(6));
                if (!last.at("/verity/receipt").isObject()) throw new IllegalStateException("no receipt: " + l);
                m.tokens = last.at("/usage/completion_tokens").asInt();
            }
            if (l.equals("data: [DONE]")) done = true;
        }
        if (!done) throw new IllegalStateException("stream ended without [DONE]");
    }

    /**
     * @param payer named and proven to {@code node} when called directly (a charging node serves only a named,
     *     funded payer; a gateway ignores the headers)
     */
    static HttpRequest post(URI base, String body, io.verity.gateway.pay.PayerHeaders payer, io.verity.protocol.EvmAddress node) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/chat/completions")).header("Content-Type", "application/json");
        payer.to(node).forEach(b::header);
        return b.POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static void report(List<Result> results, int requests, int maxTokens, PrintStream out) {
        out.printf("%d requests each, greedy, %d tokens, one at a time%n%n", requests, maxTokens);
        out.println("| path | p50 first token ms | p50 total ms | p99 total ms | decode tok/s (p50) | end-to-end tok/s (p50) |");
        out.println("|---|---|---|---|---|---|");
        for (Result r : results) {
            out.printf("| %s | %.2f | %.2f | %.2f | %s | %.0f |%n", r.what(), r.p50FirstTokenMs(), r.p50TotalMs(),
                    r.p(r.totalNanos(), 0.99), r.streamed() ? "%.0f".formatted(r.decodeRate()) : "-", r.endToEndRate());
        }
        Result raw = results.get(0), plain = results.get(1), sse = results.get(2), gwPlain = results.get(3), gwSse = results.get(4);
        out.println();
        out.println("| overhead | p50 ms |");
        out.println("|---|---|");
        String overhead = "| %s | %.2f |%n";
        out.printf(overhead, "node not streamed - direct (HTTP, JSON, digests, signing, receipt fsync)", plain.p50TotalMs() - raw.p50TotalMs());
        out.printf(overhead, "streamed - not streamed (SSE framing, one flush per token)", sse.p50TotalMs() - plain.p50TotalMs());
        out.printf(overhead, "streamed first token - direct first token", sse.p50FirstTokenMs() - raw.p50FirstTokenMs());
        out.printf(overhead, "gateway streamed - node streamed, first token (a second HTTP hop, routing)",
                gwSse.p50FirstTokenMs() - sse.p50FirstTokenMs());
        out.printf(overhead, "gateway streamed - node streamed, total (receipt check, voucher)", gwSse.p50TotalMs() - sse.p50TotalMs());
        out.printf(overhead, "gateway not streamed - node not streamed", gwPlain.p50TotalMs() - plain.p50TotalMs());
        out.println();
        out.println("| gateway streamed vs llama.cpp direct | direct | gateway | ratio (goal >= 0.95) |");
        out.println("|---|---|---|---|");
        double ttftDirect = raw.p50FirstTokenMs(), ttftGw = gwSse.p50FirstTokenMs();
        out.printf("| time to first token, p50 ms (ratio direct/gateway) | %.2f | %.2f | %.3f |%n", ttftDirect, ttftGw,
                ttftDirect / ttftGw);
        out.printf("| decode tokens/s, p50 (ratio gateway/direct) | %.0f | %.0f | %.3f |%n", raw.decodeRate(), gwSse.decodeRate(),
                gwSse.decodeRate() / raw.decodeRate());
        out.printf("| end-to-end tokens/s, p50 (ratio gateway/direct) | %.0f | %.0f | %.3f |%n", raw.endToEndRate(),
                gwSse.endToEndRate(), gwSse.endToEndRate() / raw.endToEndRate());
    }
}
