package io.verity.gateway;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.devnet.Devnet;
import io.verity.gateway.ChildNodes.NodeProcess;
import io.verity.llm.gguf.TinyLlama;
import io.verity.node.receipts.ReceiptLog;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.PayerAuth;
import io.verity.protocol.receipt.SignedReceipt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's chaos test: everything a hostile stranger and bad luck can do at once, through a real gateway to
 * three real nodes (child JVMs, each serving Silero VAD and a tiny GGUF in its own llama.cpp worker) on anvil.
 * For {@link #LOAD} a few clients send benign requests (VAD inferences and chat completions) while, at the
 * same time, poison requests (schemas llama.cpp's grammar converter cannot handle, a lone surrogate, a prompt
 * beyond the context, malformed and lenient JSON, a malformed chunked body, the wrong content type) and a
 * hostile client (a huge body, 1M unknown keys, a 1 byte/s sender, a malformed request line) hit the gateway,
 * one node is SIGKILLed and the chain is frozen (SIGSTOP of anvil) for a few seconds.
 *
 * <p>Afterwards: no benign request failed; every poison and hostile request got a 4xx (the slow sender may
 * instead be cut off); every llama.cpp worker of the surviving nodes is alive (the same process or a restarted
 * one) and answers; every receipt handed out by a surviving node is in its receipt log and settled on chain
 * (Settlement.verifyReceipt with the node's proof); and no surviving node signed more for the client than its
 * vouchers cover plus {@link #CREDIT}. All findings are collected (soft assertions) so one run names every broken
 * guarantee; the outcomes go to {@code target/chaos.json}.
 *
 * <p>Safety: a poison schema once grew a worker to all the host's memory. Before any request, and for every worker
 * that appears later, the test caps the worker's address space ({@code prlimit --as}) so a regression crashes
 * that worker instead of the machine.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChaosIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LLM = "tiny-llama";
    /** Per VAD inference and per chat token. */
    static final BigInteger PRICE = BigInteger.TEN.pow(12);
    /**
     * What a node may serve a payer beyond the vouchers it holds ({@code --payment-credit-wei}): about fifteen chat
     * answers, so vouchers still on their way never throttle the benign load.
     */
    static final BigInteger CREDIT = PRICE.multiply(BigInteger.valueOf(1000));
    static final Duration LOAD = Duration.ofSeconds(20);
    static final Duration KILL_AT = Duration.ofSeconds(6);
    static final Duration PAUSE_AT = Duration.ofSeconds(10);
    static final Duration PAUSE = Duration.ofSeconds(4);
    /** Benign clients: half send VAD inferences, half chat completions, so a stalled language model cannot starve the rest. */
    static final int BENIGN_CLIENTS = 4;
    /**
     * Every request's deadline. Far above what a benign answer takes (under a second, failover included) and what a
     * refusal takes (at once); it only bounds the test when a request hangs, as poisoned workers make them do today.
     */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Address space a worker may add beyond what it had when the test first saw it. */
    static final long WORKER_HEADROOM = 2L << 30;
    static final int N1 = 1, N2 = 2, VICTIM = 3, CLIENT = 9;
    static final String WORKER_CLASS = "io.verity.llm.LlamaWorker";

    @TempDir static Path dir;
    static Devnet devnet;
    static Path deploymentFile;
    static ChildNodes children;
    static final Map<Integer, NodeProcess> nodes = new ConcurrentHashMap<>();
    static Gateway gateway;
    static HttpClient http;
    static ChainClients chain;
    static final Set<Long> capped = ConcurrentHashMap.newKeySet();
    /** Every worker seen: a SIGKILLed node's worker is no longer its descendant, but still ours to stop. */
    static final Set<ProcessHandle> seenWorkers = ConcurrentHashMap.newKeySet();
    static final AtomicBoolean capping = new AtomicBoolean(true);
    static final Map<String, Object> report = Collections.synchronizedMap(new LinkedHashMap<>());

    @BeforeAll
    static void start() throws Exception {
        devnet = Devnet.builder().stateDir(dir.resolve("chain")).start();
        deploymentFile = dir.resolve("deployment.json");
        devnet.deployment().write(deploymentFile);
        Path gguf = dir.resolve("tiny.gguf");
        TinyLlama.write(gguf, 1);
        children = new ChildNodes(dir, devnet::account, deploymentFile, hub -> {
            ChildNodes.sileroVad(hub);
            hub.add(gguf, LLM, "1", "Apache-2.0", "generated");
        });
        chain = ChainClients.connect(devnet.deployment(), devnet.account(0));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (var starter = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<NodeProcess>> fs = new ArrayList<>();
            for (int a : List.of(N1, N2, VICTIM)) {
                fs.add(CompletableFuture.supplyAsync(() -> children.start(a, 0, PRICE,
                        List.of("--threads", "1", "--payment-credit-wei", CREDIT.toString())), starter));
            }
            fs.forEach(f -> nodes.put(f.join().account(), f.join()));
        }
        Thread.ofVirtual().name("worker-memory-cap").start(ChaosIT::capWorkers);
        gateway = Gateway.start(GatewayConfig.builder(dir.resolve("gateway"), deploymentFile)
                .clientKey(devnet.account(CLIENT).privateKeyHex()).deposit(BigInteger.TEN.pow(18))
                .refreshInterval(Duration.ofMillis(300)).requestTimeout(Duration.ofSeconds(5)).build());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode models = JSON.readTree(http.send(HttpRequest.newBuilder(gateway.url().resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            JsonNode health = JSON.readTree(http.send(HttpRequest.newBuilder(gateway.url().resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            return models.at("/data/0/verity_nodes").size() == 3 && health.path("healthy").asInt() == 3;
        });
        // No poison before every worker is capped (and found: an empty list would make every later check vacuous).
        for (NodeProcess n : nodes.values()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                List<Long> ws = workers(n).stream().map(ProcessHandle::pid).toList();
                return !ws.isEmpty() && capped.containsAll(ws);
            });
        }
    }

    @AfterAll
    static void stop() {
        capping.set(false);
        resumeChain();
        if (gateway != null) gateway.close();
        // the nodes, and a worker a killed node left behind: only processes this test started
        nodes.values().forEach(n -> n.process().toHandle().descendants().forEach(ProcessHandle::destroyForcibly));
        nodes.values().forEach(n -> n.process().destroyForcibly());
        seenWorkers.forEach(ProcessHandle::destroyForcibly);
        if (chain != null) chain.close();
        if (devnet != null) devnet.close();
        ChildNodes.writeReport("chaos.json", report);
    }

    // ---- processes ------------------------------------------------------------------------------------------

    /** The llama.cpp workers (child JVMs running LlamaWorker) of one node, alive now. */
    static List<ProcessHandle> workers(NodeProcess n) {
        return n.process().toHandle().descendants().filter(p -> p.isAlive() && commandLine(p).contains(WORKER_CLASS)).toList();
    }

    /** From /proc: ProcessHandle.Info.commandLine() comes back empty for these JVMs' long command lines. */
    static String commandLine(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.ISO_8859_1).replace('\0', ' ');
        } catch (IOException e) {
            return ""; // it exited
        }
    }

    /** Caps every worker's address space as soon as it appears (a restarted worker too), until the test ends. */
    static void capWorkers() {
        while (capping.get()) {
            for (NodeProcess n : nodes.values()) {
                for (ProcessHandle w : workers(n)) {
                    if (capped.contains(w.pid())) continue;
                    seenWorkers.add(w);
                    try {
                        long size = vmSizeBytes(w.pid());
                        Process p = new ProcessBuilder("prlimit", "--pid", Long.toString(w.pid()), "--as=" + (size + WORKER_HEADROOM))
                                .redirectErrorStream(true).start();
                        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        // uncapped, it is never counted as capped, so setup never sends poison
                        if (p.waitFor() != 0) System.err.println("prlimit on worker " + w.pid() + " failed: " + out);
                        else capped.add(w.pid());
                    } catch (IOException e) {
                        if (w.isAlive()) System.err.println("cannot cap worker " + w.pid() + ": " + e);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    static long vmSizeBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmSize:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
        throw new IOException("no VmSize for " + pid);
    }

    /** anvil and its npm launcher: children of the devnet this JVM started. */
    static List<ProcessHandle> anvil() {
        return ProcessHandle.current().descendants().filter(p -> {
            String cmd = commandLine(p);
            return cmd.contains("anvil") && !cmd.contains("java");
        }).toList();
    }

    /** Sends {@code signal} to anvil and its launcher; returns how many processes got it. */
    static int signalChain(String signal) {
        List<ProcessHandle> ps = anvil();
        for (ProcessHandle p : ps) {
            try {
                new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ps.size();
    }

    /** The scheduler's state letter of a process (T: stopped), from /proc. */
    static char state(ProcessHandle p) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return '?';
        }
    }

    static void resumeChain() {
        if (devnet != null) signalChain("CONT");
    }

    // ---- requests --------------------------------------------------------------------------------------------

    /** One request's fate: HTTP status (-1: no answer), what came back (or why nothing did), and its size. */
    record Outcome(String what, int status, String detail, long answerBytes) {
        Outcome(String what, int status, String detail) {
            this(what, status, detail, detail.length());
        }

        /** A 4xx of a sane size: an error answer must never echo a huge request back (one was 97 MB). */
        boolean clientError() {
            return status >= 400 && status < 500 && answerBytes <= 65_536;
        }
    }

    static final String CHAT = "{\"model\":\"" + LLM + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4,\"temperature\":0}";

    static String chat(String extra, String content) {
        return "{\"model\":\"" + LLM + "\",\"messages\":[{\"role\":\"user\",\"content\":" + content + "}],\"max_tokens\":8,\"temperature\":0"
                + extra + "}";
    }

    static String schema(String schema) {
        return chat(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":" + schema + "}}", "\"Hi\"");
    }

    /** What the gateway sends a node with each request on its client's account: the account's signature. */
    static String payerProof(io.verity.protocol.EvmAddress node) {
        return PayerAuth.sign(devnet.account(CLIENT).key(), node, System.currentTimeMillis()).header();
    }

    static HttpResponse<String> post(URI base, String path, String contentType, byte[] body, Duration timeout, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Outcome send(String what, URI base, String path, String contentType, byte[] body) {
        return send(what, base, path, contentType, body, REQUEST_TIMEOUT);
    }

    static Outcome send(String what, URI base, String path, String contentType, byte[] body, Duration timeout) {
        try {
            HttpResponse<String> r = post(base, path, contentType, body, timeout);
            String b = r.body();
            return new Outcome(what, r.statusCode(), b.length() > 300 ? b.substring(0, 300) + "… (" + b.length() + " chars)" : b, b.length());
        } catch (Exception e) {
            return new Outcome(what, -1, e.toString());
        }
    }

    /** Poison: requests that are the client's fault. Each must get a 4xx, and none may hurt a node. */
    static Map<String, Supplier<Outcome>> poison() {
        URI g = gateway.url();
        String vad = GatewayIT.vadRequest(null);
        // "/" encoded in two bytes (C0 AF): overlong UTF-8, which a lenient decoder reads as "/"
        byte[] plain = chat("", "\"a/b\"").getBytes(StandardCharsets.UTF_8);
        int slash = new String(plain, StandardCharsets.UTF_8).indexOf("a/b") + 1;
        byte[] overlong = splice(plain, slash, new byte[] {(byte) 0xc0, (byte) 0xaf});
        Map<String, Supplier<Outcome>> p = new LinkedHashMap<>();
        p.put("schema type nonsense", () -> send("schema type nonsense", g, "/v1/chat/completions", "application/json",
                schema("{\"type\":\"nonsense\"}").getBytes(StandardCharsets.UTF_8)));
        p.put("schema minLength 2e9", () -> send("schema minLength 2e9", g, "/v1/chat/completions", "application/json",
                schema("{\"type\":\"string\",\"minLength\":2000000000}").getBytes(StandardCharsets.UTF_8)));
        p.put("schema unresolvable $ref", () -> send("schema unresolvable $ref", g, "/v1/chat/completions", "application/json",
                schema("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/missing\"}},\"required\":[\"a\"]}").getBytes(StandardCharsets.UTF_8)));
        p.put("schema recursive $ref", () -> send("schema recursive $ref", g, "/v1/chat/completions", "application/json",
                schema("{\"$ref\":\"#\"}").getBytes(StandardCharsets.UTF_8)));
        p.put("schema malformed pattern", () -> send("schema malformed pattern", g, "/v1/chat/completions", "application/json",
                schema("{\"type\":\"string\",\"pattern\":\"((\"}").getBytes(StandardCharsets.UTF_8)));
        p.put("lone surrogate", () -> send("lone surrogate", g, "/v1/chat/completions", "application/json",
                chat("", "\"\\ud800\"").getBytes(StandardCharsets.UTF_8)));
        p.put("prompt beyond the context", () -> send("prompt beyond the context", g, "/v1/chat/completions", "application/json",
                chat("", "\"" + "hello ".repeat(3000) + "\"").getBytes(StandardCharsets.UTF_8)));
        p.put("overlong UTF-8", () -> send("overlong UTF-8", g, "/v1/chat/completions", "application/json", overlong));
        p.put("chat duplicate keys", () -> send("chat duplicate keys", g, "/v1/chat/completions", "application/json",
                ("{\"model\":\"nobody\"," + CHAT.substring(1)).getBytes(StandardCharsets.UTF_8)));
        p.put("chat as text/plain", () -> send("chat as text/plain", g, "/v1/chat/completions", "text/plain",
                CHAT.getBytes(StandardCharsets.UTF_8)));
        p.put("infer trailing garbage", () -> send("infer trailing garbage", g, "/v1/infer", "application/json",
                (vad + " garbage").getBytes(StandardCharsets.UTF_8)));
        p.put("infer two documents", () -> send("infer two documents", g, "/v1/infer", "application/json",
                (vad + vad).getBytes(StandardCharsets.UTF_8)));
        p.put("infer duplicate keys", () -> send("infer duplicate keys", g, "/v1/infer", "application/json",
                ("{\"model\":\"nobody\"," + vad.substring(1)).getBytes(StandardCharsets.UTF_8)));
        // naming a funded payer, so the node reads the body instead of refusing payment first
        String chunked = "POST /v1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                + io.verity.protocol.json.VoucherJson.PAYER_HEADER + ": " + gateway.clientAccount().orElseThrow() + "\r\n"
                + PayerAuth.HEADER + ": " + payerProof(nodes.get(N1).address())
                + "\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
        p.put("infer malformed chunked (gateway)", () -> raw("infer malformed chunked (gateway)", g, chunked));
        p.put("infer malformed chunked (node)", () -> raw("infer malformed chunked (node)", nodes.get(N1).url(), chunked));
        return p;
    }

    /** The hostile client: too big, too slow, not HTTP. Each must be refused (4xx) or, the slow one, cut off. */
    static Map<String, Supplier<Outcome>> hostile() {
        URI g = gateway.url();
        Map<String, Supplier<Outcome>> h = new LinkedHashMap<>();
        h.put("1 GiB declared body", () -> huge(g));
        h.put("1M unknown keys", () -> {
            StringBuilder b = new StringBuilder(18_000_000).append("{\"model\":\"silero-vad\"");
            for (int i = 0; i < 1_000_000; i++) b.append(",\"k").append(i).append("\":0");
            // 17 MB to upload and read on a busy machine: more time than the others, still bounded
            return send("1M unknown keys", g, "/v1/infer", "application/json", b.append('}').toString().getBytes(StandardCharsets.UTF_8),
                    REQUEST_TIMEOUT.multipliedBy(3));
        });
        h.put("1 byte/s sender", () -> slow(g));
        h.put("malformed request line", () -> raw("malformed request line", g, "GARBAGE\r\n\r\n"));
        return h;
    }

    /** Sends {@code request} on a fresh connection and reads the status line of the answer. */
    static Outcome raw(String what, URI base, String request) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 2000);
            s.setSoTimeout(15_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return answer(what, s.getInputStream());
        } catch (IOException e) {
            return new Outcome(what, -1, e.toString());
        }
    }

    /** Reads an HTTP answer's status line and a little of what follows; -1 when the server closed without one. */
    static Outcome answer(String what, InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[2048];
        while (got.size() < 12) {
            int n = in.read(buf);
            if (n < 0) return new Outcome(what, -1, got.size() == 0 ? "closed without an answer" : "closed mid-answer: " + got);
            got.write(buf, 0, n);
        }
        String text = got.toString(StandardCharsets.ISO_8859_1);
        if (!text.startsWith("HTTP/1.")) return new Outcome(what, -1, "not HTTP: " + text);
        int status = Integer.parseInt(text.substring(9, 12));
        return new Outcome(what, status, text.length() > 300 ? text.substring(0, 300) : text);
    }

    /** Declares 1 GiB and streams it; the server should refuse (413) long before the end. */
    static Outcome huge(URI g) {
        String what = "1 GiB declared body";
        long declared = 1L << 30, sent = 0, max = 256L << 20;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(g.getHost(), g.getPort()), 2000);
            s.setSoTimeout(10_000);
            closeAfter(s, LOAD); // a server that stops reading without answering would block our write forever
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(("POST /v1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + declared
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[64 << 10];
            java.util.Arrays.fill(chunk, (byte) ' ');
            try {
                while (sent < max) {
                    if (in.available() > 0) return answer(what, in);
                    out.write(chunk);
                    sent += chunk.length;
                }
            } catch (IOException closed) {
                try {
                    return answer(what, in);
                } catch (IOException e) {
                    return new Outcome(what, -1, "connection closed after " + (sent >> 20) + " MiB without an answer: " + closed);
                }
            }
            return new Outcome(what, -1, "still reading after " + (sent >> 20) + " MiB");
        } catch (IOException e) {
            return new Outcome(what, -1, e.toString());
        }
    }

    static void closeAfter(Socket s, Duration d) {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(d);
                s.close();
            } catch (InterruptedException | IOException e) {
                // the exchange ended first
            }
        });
    }

    /** Sends a body at 1 byte/s for at most the load's duration; the server should cut it off (408, or close). */
    static Outcome slow(URI g) {
        String what = "1 byte/s sender";
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(g.getHost(), g.getPort()), 2000);
            s.setSoTimeout(1000); // each read waits a second: the pace of the sender
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("POST /v1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            while (System.nanoTime() - start < LOAD.toNanos()) {
                try {
                    out.write(' ');
                    out.flush();
                } catch (IOException e) {
                    return new Outcome(what, 408, "cut off (write failed) after " + secondsSince(start) + " s");
                }
                try {
                    Outcome o = answer(what, in);
                    return o.status() < 0 ? new Outcome(what, 408, "cut off (closed) after " + secondsSince(start) + " s") : o;
                } catch (SocketTimeoutException quiet) {
                    // no answer yet: send the next byte
                }
            }
            return new Outcome(what, -1, "still connected after " + secondsSince(start) + " s");
        } catch (IOException e) {
            return new Outcome(what, 408, "cut off after " + secondsSince(start) + " s: " + e);
        }
    }

    static byte[] splice(byte[] b, int at, byte[] with) {
        byte[] out = new byte[b.length - 1 + with.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(with, 0, out, at, with.length);
        System.arraycopy(b, at + 1, out, at + with.length, b.length - at - 1);
        return out;
    }

    /** When, in the chaos schedule, something happened: "@12.3s ". */
    static String at(long startNanos) {
        return String.format(java.util.Locale.ROOT, "@%.1fs ", (System.nanoTime() - startNanos) / 1e9);
    }

    static long secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000_000;
    }

    // ---- the test --------------------------------------------------------------------------------------------

    /** A benign answer: its receipts, and when it came (after the kill or not). */
    record Answer(String kind, List<SignedReceipt> receipts, boolean afterKill) {}

    @Test
    @org.junit.jupiter.api.Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
    void poison_hostile_clients_a_killed_node_and_a_frozen_chain_cost_no_benign_request_no_worker_and_no_payment() throws Exception {
        Map<Integer, List<Long>> workersBefore = new HashMap<>();
        for (int a : List.of(N1, N2)) workersBefore.put(a, workers(nodes.get(a)).stream().map(ProcessHandle::pid).toList());
        List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<Outcome> refused = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true), killed = new AtomicBoolean(false);
        String vad = GatewayIT.vadRequest(null);

        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < BENIGN_CLIENTS; c++) {
                int client = c;
                pool.submit(() -> {
                    boolean isChat = client % 2 == 1;
                    while (running.get()) {
                        String kind = isChat ? "chat" : "infer";
                        try {
                            HttpResponse<String> r = post(gateway.url(), isChat ? "/v1/chat/completions" : "/v1/infer", "application/json",
                                    (isChat ? CHAT : vad).getBytes(StandardCharsets.UTF_8), REQUEST_TIMEOUT);
                            if (r.statusCode() != 200) {
                                failures.add(at(start) + kind + " " + r.statusCode() + " " + r.body().substring(0, Math.min(400, r.body().length())));
                                continue;
                            }
                            JsonNode body = JSON.readTree(r.body());
                            List<SignedReceipt> rs = new ArrayList<>();
                            if (isChat) {
                                rs.add(ReceiptJson.read(body.at("/verity/receipt"), "/verity/receipt"));
                            } else {
                                for (int k = 0; k < body.get("receipts").size(); k++) rs.add(ReceiptJson.read(body.get("receipts").get(k), "/receipts/" + k));
                            }
                            answers.add(new Answer(kind, rs, killed.get()));
                        } catch (Exception e) {
                            failures.add(at(start) + kind + " " + e);
                        }
                    }
                });
            }
            // the poison and the hostile client start once the load runs, all at once
            Thread.sleep(1000);
            List<java.util.concurrent.Future<Outcome>> attacks = new ArrayList<>();
            poison().values().forEach(p -> attacks.add(pool.submit(p::get)));
            hostile().values().forEach(h -> attacks.add(pool.submit(h::get)));

            sleepUntil(start, KILL_AT);
            NodeProcess victim = nodes.get(VICTIM);
            victim.process().destroyForcibly(); // SIGKILL: no shutdown hook; its in-flight requests die with it
            victim.process().waitFor();
            killed.set(true);

            sleepUntil(start, PAUSE_AT);
            int stopped = signalChain("STOP"); // the chain stops answering: RPC calls hang, nothing is mined
            try {
                // the harness itself: a chain that was never frozen would make this test prove less than it says
                org.assertj.core.api.Assertions.assertThat(stopped).as("anvil processes frozen").isPositive();
                await().atMost(Duration.ofSeconds(2)).until(() -> anvil().stream().allMatch(p -> state(p) == 'T'));
                report.put("chainFrozen", Map.of("processes", stopped, "seconds", PAUSE.toSeconds()));
                sleepUntil(start, PAUSE_AT.plus(PAUSE));
            } finally {
                signalChain("CONT");
            }
            sleepUntil(start, LOAD);
            running.set(false);
            for (var a : attacks) refused.add(a.get());
        }
        report.put("loadSeconds", secondsSince(start));

        SoftAssertions soft = new SoftAssertions();
        long afterKill = answers.stream().filter(Answer::afterKill).count();
        Map<String, Long> byKind = new HashMap<>();
        answers.forEach(a -> byKind.merge(a.kind(), 1L, Long::sum));
        System.out.printf("chaos: %d benign answers (%s; %d after the kill), %d failed%n", answers.size(), byKind, afterKill, failures.size());
        // when in the schedule (whole second), what and how: shows which fault the failures follow
        Map<String, Long> failuresBySecond = new java.util.TreeMap<>();
        for (String f : failures) {
            String[] w = f.split(" ", 4);
            failuresBySecond.merge(String.format(java.util.Locale.ROOT, "@%02ds %s %s", (int) Double.parseDouble(w[0].substring(1, w[0].length() - 1)),
                    w[1], w[2]), 1L, Long::sum);
        }
        report.put("benign", Map.of("answered", answers.size(), "byKind", byKind, "afterKill", afterKill, "failed", failures.size(),
                "failuresBySecond", failuresBySecond, "failures", failures.subList(0, Math.min(20, failures.size()))));
        Map<String, String> attackReport = new LinkedHashMap<>();
        for (Outcome o : refused) {
            System.out.printf("chaos: %-36s -> %d %s%n", o.what(), o.status(), o.detail().replaceAll("\\s+", " "));
            attackReport.put(o.what(), o.status() + " " + o.detail());
        }
        report.put("attacks", attackReport);

        soft.assertThat(failures).as("failed benign requests (%d; by second of the schedule: %s)", failures.size(), failuresBySecond)
                .hasSizeLessThanOrEqualTo(0);
        soft.assertThat(byKind).as("benign answers of each kind").containsKeys("chat", "infer");
        soft.assertThat(afterKill).as("benign answers after the kill").isPositive();
        for (Outcome o : refused) soft.assertThat(o.clientError()).as("%s got a 4xx, got %d: %s", o.what(), o.status(), o.detail()).isTrue();

        // Every worker of the surviving nodes is alive (the same one, or one restarted in its place) and answers.
        // One wait for both nodes, long enough for a supervisor's restart with backoff.
        Map<Integer, BigInteger> directlyServed = new HashMap<>();
        try {
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> {
                for (int a : List.of(N1, N2)) if (workers(nodes.get(a)).size() < workersBefore.get(a).size() || !modelListed(nodes.get(a))) return false;
                return true;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // named per node below
        }
        for (int a : List.of(N1, N2)) {
            NodeProcess n = nodes.get(a);
            soft.assertThat(workers(n)).as("node %d: llama.cpp workers alive (before: %s)", a, workersBefore.get(a))
                    .hasSizeGreaterThanOrEqualTo(workersBefore.get(a).size());
            try {
                // on the gateway's client's account, so it counts against the same credit as everything else
                HttpResponse<String> r = post(n.url(), "/v1/chat/completions", "application/json", CHAT.getBytes(StandardCharsets.UTF_8),
                        REQUEST_TIMEOUT, io.verity.protocol.json.VoucherJson.PAYER_HEADER, gateway.clientAccount().orElseThrow().toString(),
                        PayerAuth.HEADER, payerProof(n.address()));
                soft.assertThat(r.statusCode()).as("node %d answers a chat after the chaos: %s", a, r.body()).isEqualTo(200);
                if (r.statusCode() == 200) {
                    directlyServed.put(a, ReceiptJson.read(JSON.readTree(r.body()).at("/verity/receipt"), "").receipt().price());
                }
            } catch (IOException e) {
                soft.fail("node %d does not answer a chat after the chaos: %s", a, e);
            }
            List<Long> now = workers(n).stream().map(ProcessHandle::pid).toList();
            report.put("workers node " + a, Map.of("before", workersBefore.get(a), "after", now));
        }

        // Every receipt a surviving node handed out settles on chain, and the gateway paid for it. The killed node
        // cannot take a voucher the gateway owed it when it died: only the survivors' are waited for.
        try {
            List<io.verity.protocol.EvmAddress> survivors = List.of(nodes.get(N1).address(), nodes.get(N2).address());
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.paymentsDelivered(survivors));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            soft.fail("the gateway still has vouchers to deliver to the surviving nodes after 30 s");
        }
        Map<Integer, List<SignedReceipt>> handedOut = new HashMap<>();
        for (Answer ans : answers) {
            for (SignedReceipt r : ans.receipts()) {
                for (int a : List.of(N1, N2)) {
                    if (r.receipt().node().equals(nodes.get(a).address())) handedOut.computeIfAbsent(a, k -> new ArrayList<>()).add(r);
                }
            }
        }
        Map<Integer, BigInteger> held = new HashMap<>();
        for (int a : List.of(N1, N2)) {
            NodeProcess n = nodes.get(a);
            List<SignedReceipt> mine = handedOut.getOrDefault(a, List.of());
            int settled = 0;
            try {
                settled = ChildNodes.assertAllSettled(http, chain, n, mine, Duration.ofSeconds(30));
            } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
                soft.fail("node %d: a receipt is not settled: %s", a, e.getMessage()); // one is enough to name the node
            }
            report.put("settled node " + a, settled + " of " + mine.size());
            held.put(a, voucherHeld(n));
        }

        // Nothing unpaid beyond the credit: what each surviving node signed, less the chat sent to it directly
        // above, against the vouchers it holds. Read from its receipt log once it has stopped. Both are asked to stop
        // at once, so their shutdowns overlap instead of adding up.
        for (int a : List.of(N1, N2)) nodes.get(a).process().destroy(); // SIGTERM: the node closes its log
        for (int a : List.of(N1, N2)) {
            NodeProcess n = nodes.get(a);
            if (!n.process().waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) n.process().destroyForcibly().waitFor();
            BigInteger signed = BigInteger.ZERO;
            Set<Keccak256> logged = new HashSet<>();
            try (ReceiptLog log = ReceiptLog.open(n.home().resolve("receipts"))) {
                for (ReceiptLog.Entry e : log.readFrom(0, Integer.MAX_VALUE)) {
                    logged.add(e.id());
                    signed = signed.add(new BigInteger(JSON.readTree(e.json()).get("price").asText()));
                }
            }
            BigInteger unpaid = signed.subtract(directlyServed.getOrDefault(a, BigInteger.ZERO)).subtract(held.get(a));
            report.put("payment node " + a, Map.of("signedWei", signed.toString(), "voucherWei", held.get(a).toString(),
                    "unpaidWei", unpaid.toString(), "receiptsLogged", logged.size()));
            System.out.printf("chaos: node %d signed %s wei in %d receipts, holds vouchers for %s, unpaid %s%n", a, signed, logged.size(),
                    held.get(a), unpaid);
            soft.assertThat(logged).as("node %d logged every receipt it handed out", a)
                    .containsAll(handedOut.getOrDefault(a, List.of()).stream().map(SignedReceipt::id).toList());
            soft.assertThat(unpaid).as("node %d: served beyond its vouchers (credit %s)", a, CREDIT).isLessThanOrEqualTo(CREDIT);
        }
        soft.assertAll();
    }

    static boolean modelListed(NodeProcess n) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(n.url().resolve("/v1/models")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 && r.body().contains("\"" + LLM + "\"");
    }

    static BigInteger voucherHeld(NodeProcess n) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(n.url().resolve("/v1/vouchers/" + gateway.clientAccount().orElseThrow()))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? new BigInteger(JSON.readTree(r.body()).get("cumulativeAmount").asText()) : BigInteger.ZERO;
    }

    static void sleepUntil(long startNanos, Duration at) throws InterruptedException {
        long left = startNanos + at.toNanos() - System.nanoTime();
        if (left > 0) Thread.sleep(Duration.ofNanos(left));
    }
}
