package io.verity.bench;

import io.verity.llm.ChatMessage;
import io.verity.llm.LlmEngine;
import io.verity.llm.Sampling;
import io.verity.llm.TinyLlama;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Streaming overhead of the node's OpenAI route on the tiny GGUF (greedy, 64 tokens): llama.cpp called
 * through {@link LlmEngine} directly (its child process, no HTTP) against {@code POST /v1/chat/completions}
 * non-streamed and streamed (SSE), one request at a time, interleaved, same prompt and llama.cpp process. For each: time to the first token
 * and to the whole answer (streamed: to {@code [DONE]}, after the receipt chunk).
 *
 * <pre>./verity llm-load [requests]   (results: docs/llm.md)</pre>
 */
public final class LlmLoad {
    record Result(String what, long[] totalNanos, long[] firstTokenNanos) {
        double p(long[] a, double q) {
            long[] s = a.clone();
            Arrays.sort(s);
            return s.length == 0 ? Double.NaN : s[(int) Math.min(s.length - 1, Math.floor(q * s.length))] / 1e6;
        }
    }

    static final int WARMUP = 10;
    static final List<ChatMessage> MESSAGES = List.of(new ChatMessage("user", "Tell me something."));
    static final String BODY = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something.\"}],"
            + "\"temperature\":0,\"max_tokens\":%d%s}";

    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 200, 64, System.out);
    }

    static List<Result> run(int requests, int maxTokens, PrintStream out) throws Exception {
        Path home = Files.createTempDirectory("verity-llm-load");
        Path gguf = home.resolve("tiny.gguf");
        TinyLlama.write(gguf, 1);
        List<Result> results = new ArrayList<>();
        Sampling greedy = new Sampling(0, 1, 0, maxTokens);
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home.resolve("node")));
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            // One llama.cpp process for all three paths: a second one's idle threads would compete for the CPU.
            LlmEngine engine = LlmEngine.start(gguf, 2, null);
            node.serveLlm("tiny-llama", engine);
            HttpRequest plain = post(node, BODY.formatted(maxTokens, ""));
            HttpRequest streamed = post(node, BODY.formatted(maxTokens, ",\"stream\":true"));
            List<String> names = List.of("llama.cpp direct (child process)", "node, not streamed", "node, streamed (SSE)");
            List<Call> calls = List.of(
                    first -> engine.chat(MESSAGES, greedy, List.of(), null, t -> first.mark()),
                    first -> {
                        HttpResponse<String> r = http.send(plain, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) throw new IllegalStateException(r.body());
                        first.mark(); // the first token arrives with the whole answer
                    },
                    first -> {
                        HttpResponse<java.util.stream.Stream<String>> r = http.send(streamed, HttpResponse.BodyHandlers.ofLines());
                        Iterator<String> lines = r.body().iterator();
                        boolean done = false;
                        while (lines.hasNext()) {
                            String l = lines.next();
                            if (l.contains("\"delta\":{\"content\":\"") && !l.contains("\"role\"")) first.mark();
                            if (l.equals("data: [DONE]")) done = true;
                        }
                        if (!done) throw new IllegalStateException("stream ended without [DONE]");
                    });
            for (int i = 0; i < WARMUP; i++) for (Call c : calls) c.run(new First());
            long[][] total = new long[calls.size()][requests];
            long[][] first = new long[calls.size()][requests];
            // Interleaved, so drift in the machine's load (other builds, JIT) hits every path alike.
            for (int i = 0; i < requests; i++) {
                for (int k = 0; k < calls.size(); k++) {
                    First f = new First();
                    long t0 = System.nanoTime();
                    calls.get(k).run(f);
                    long t1 = System.nanoTime();
                    total[k][i] = t1 - t0;
                    first[k][i] = (f.at == 0 ? t1 : f.at) - t0;
                }
            }
            for (int k = 0; k < calls.size(); k++) results.add(new Result(names.get(k), total[k], first[k]));
        }
        report(results, requests, maxTokens, out);
        return results;
    }

    /** Marks the first token; later marks are ignored. */
    static final class First {
        long at;

        void mark() {
            if (at == 0) at = System.nanoTime();
        }
    }

    interface Call {
        void run(First first) throws Exception;
    }

    static HttpRequest post(InferenceNode node, String body) {
        return HttpRequest.newBuilder(node.url().resolve("/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    static void report(List<Result> results, int requests, int maxTokens, PrintStream out) {
        out.printf("%d requests each, greedy, %d tokens, one at a time%n%n", requests, maxTokens);
        out.println("| path | p50 first token ms | p50 total ms | p99 total ms |");
        out.println("|---|---|---|---|");
        for (Result r : results) {
            out.printf("| %s | %.2f | %.2f | %.2f |%n", r.what(), r.p(r.firstTokenNanos(), 0.5), r.p(r.totalNanos(), 0.5),
                    r.p(r.totalNanos(), 0.99));
        }
        Result raw = results.get(0), plain = results.get(1), sse = results.get(2);
        out.println();
        out.println("| overhead | p50 ms |");
        out.println("|---|---|");
        out.printf("| node not streamed - direct (HTTP, JSON, digests, signing, receipt fsync) | %.2f |%n",
                plain.p(plain.totalNanos(), 0.5) - raw.p(raw.totalNanos(), 0.5));
        out.printf("| streamed - not streamed (SSE framing, one flush per token) | %.2f |%n",
                sse.p(sse.totalNanos(), 0.5) - plain.p(plain.totalNanos(), 0.5));
        out.printf("| streamed first token - direct first token | %.2f |%n",
                sse.p(sse.firstTokenNanos(), 0.5) - raw.p(raw.firstTokenNanos(), 0.5));
    }
}
