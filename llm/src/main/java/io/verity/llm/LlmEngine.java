package io.verity.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.llm.gguf.GgufMetadata;
import io.verity.protocol.Keccak256;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.bouncycastle.jcajce.provider.digest.Keccak;

/**
 * A GGUF model served by llama.cpp in a child JVM ({@link LlamaWorker}), so the caller's JVM can exit and a
 * native crash stays out of it. One request runs at a time (llama.cpp here has one slot); callers queue.
 *
 * <p>Supervised: when the worker dies it is started again after a backoff that doubles from
 * {@link Options#minBackoff} to {@link Options#maxBackoff} while restarts keep failing; meanwhile requests fail
 * at once with {@link LlmException.Fault#ENGINE} and {@link #state()} says {@code restarting} (or {@code failed}
 * when the last restart failed). A worker that crashes (any exit but SIGKILL or SIGTERM, which come from outside)
 * while running a request marks that request as poison: it and any equal request (same prompt, constraint and
 * settings, any seed) are refused with {@link LlmException.Fault#POISON} for {@link Options#poisonTtl}, so one
 * request cannot kill worker after worker.
 *
 * <p>Watched: a worker that hangs (a native deadlock, a sampling livelock, a grammar that never completes a token)
 * stays alive, so the crash path alone would never see it and every later request would queue behind it. While a
 * request is in flight the worker must write a line (it writes one per sampled token) at least every
 * {@link Options#stallLimit}; when it does not, it is killed with its descendants and treated as if it had
 * crashed on that request: the request fails as {@link LlmException.Fault#POISON} and is remembered, the worker
 * restarts, and requests queued behind it fail at once with {@link LlmException.Fault#ENGINE} while it does.
 *
 * <p>Bounded native memory: the worker runs under an address-space rlimit ({@code ulimit -v},
 * {@link Options#memoryMb}), so a request that makes llama.cpp allocate without bound fails inside the worker
 * instead of taking the host. The worker gets no environment but PATH, HOME, LANG and TMPDIR, so no secret of
 * the parent's (a node key, an upstream API key) reaches it, and nothing secret is on its command line.
 *
 * <p>{@link #id()} is the receipt's engine id prefix, {@code llama.cpp/jllama-4.2.0/cpu}; the node appends
 * the sampling settings.
 */
public final class LlmEngine implements AutoCloseable {
    /** de.kherud:llama, whose jar bundles the llama.cpp build we run. */
    public static final String BINDING_VERSION = "4.2.0";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** 128 + the signal: the exits a worker has when something outside it kills it. */
    private static final int SIGKILLED = 137, SIGTERMED = 143;

    /** What {@link #state()} reports; {@link #wireName()} is how /health and /v1/models spell it. */
    public enum State {
        UP, RESTARTING, FAILED, CLOSED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * How the worker runs.
     *
     * @param threads CPU threads for llama.cpp, >= 1
     * @param log where the worker's stderr (llama.cpp's log) goes; null discards it
     * @param memoryMb the worker's address-space limit in MiB (the JVM and the model must fit: the default, 4096,
     *     suits models up to about 2 GB); 0 for none
     * @param minBackoff first wait before restarting a dead worker
     * @param maxBackoff the longest wait between restart attempts
     * @param poisonTtl how long a request a worker crashed on is refused
     * @param poisonCapacity how many such requests are remembered (the oldest is forgotten first)
     * @param stallLimit the longest a worker running a request may write nothing before it is killed as hung;
     *     {@link Duration#ZERO} for no limit
     */
    public record Options(int threads, Path log, long memoryMb, Duration minBackoff, Duration maxBackoff, Duration poisonTtl,
            int poisonCapacity, Duration stallLimit) {
        public static final long DEFAULT_MEMORY_MB = 4096;
        public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(500);
        public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(60);
        public static final Duration DEFAULT_POISON_TTL = Duration.ofMinutes(10);
        public static final int DEFAULT_POISON_CAPACITY = 1024;
        /**
         * The first line of an answer comes only after llama.cpp has read the whole prompt, the slowest step on a
         * CPU: measured on one thread of a busy 2-core host, a full 1024-token context takes 0.4 s on the tiny test
         * model and 19.5 s on {@code TinyLlama.Size.GPT2_SMALL_SHAPED} (85 M weights). Six times that, so a slow
         * host or a somewhat larger model is not mistaken for a hung worker; larger models or contexts raise it.
         */
        public static final Duration DEFAULT_STALL_LIMIT = Duration.ofSeconds(120);

        public Options {
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            if (memoryMb != 0 && memoryMb < 512) {
                throw new IllegalArgumentException("the worker memory limit must be 0 (none) or >= 512 MiB, got " + memoryMb);
            }
            if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalArgumentException("restart backoff must be > 0 and min <= max, got " + minBackoff + ".." + maxBackoff);
            }
            if (poisonTtl.isNegative() || poisonCapacity < 1) {
                throw new IllegalArgumentException("poison memory needs ttl >= 0 and capacity >= 1, got " + poisonTtl + "/" + poisonCapacity);
            }
            if (stallLimit.isNegative()) {
                throw new IllegalArgumentException("the stall limit must be >= 0 (0: none), got " + stallLimit.toMillis() + " ms");
            }
        }

        public static Options defaults(int threads, Path log) {
            return new Options(threads, log, DEFAULT_MEMORY_MB, DEFAULT_MIN_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_POISON_TTL,
                    DEFAULT_POISON_CAPACITY, DEFAULT_STALL_LIMIT);
        }

        public Options withMemoryMb(long mb) {
            return new Options(threads, log, mb, minBackoff, maxBackoff, poisonTtl, poisonCapacity, stallLimit);
        }

        public Options withBackoff(Duration min, Duration max) {
            return new Options(threads, log, memoryMb, min, max, poisonTtl, poisonCapacity, stallLimit);
        }

        public Options withPoison(Duration ttl, int capacity) {
            return new Options(threads, log, memoryMb, minBackoff, maxBackoff, ttl, capacity, stallLimit);
        }

        public Options withStallLimit(Duration limit) {
            return new Options(threads, log, memoryMb, minBackoff, maxBackoff, poisonTtl, poisonCapacity, limit);
        }
    }

    private final Path model;
    private final Keccak256 digest;
    private final int bos; // llama.cpp prepends BOS to the prompt; encode() does not count it
    private final Path nativeDir;
    private final Options options;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Keccak256, Long> poison = new LinkedHashMap<>(); // request key -> expiry (nanoTime); guarded by itself
    private volatile Worker worker;
    private volatile State state = State.UP;
    private volatile String lastFailure = "";
    private long nextId;
    private Duration backoff;
    private final java.util.concurrent.atomic.AtomicLong restarts = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;

    /** One child process and its pipes. */
    private static final class Worker {
        final Process process;
        final BufferedWriter stdin;
        final BufferedReader stdout;
        final long startedNanos = System.nanoTime();
        final java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        /** Set by the watchdog before it kills the worker, so the request's failure says it hung. */
        volatile boolean stalled;
        /** When the worker last wrote a protocol line (nanoTime); what the watchdog watches. */
        volatile long lastLineNanos = System.nanoTime();
        /** While the caller's token callback runs (a slow client), lines wait in the pipe: not the worker's silence. */
        volatile boolean callerBusy;

        Worker(Process process) {
            this.process = process;
            this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }
    }

    private LlmEngine(Path model, Keccak256 digest, int bos, Path nativeDir, Options options) {
        this.nativeDir = nativeDir;
        this.model = model;
        this.digest = digest;
        this.bos = bos;
        this.options = options;
        this.backoff = options.minBackoff();
    }

    /** {@link #start(Path, Options)} with {@link Options#defaults}. */
    public static LlmEngine start(Path gguf, int threads, Path log) throws IOException {
        return start(gguf, Options.defaults(threads, log));
    }

    /**
     * Starts the child process on {@code gguf} and waits until llama.cpp has loaded it.
     *
     * @throws LlmException when the child cannot start or llama.cpp refuses the file
     */
    public static LlmEngine start(Path gguf, Options options) throws IOException {
        if (!Files.isRegularFile(gguf)) throw new IllegalArgumentException("no GGUF file at " + gguf);
        GgufMetadata meta;
        try {
            meta = GgufMetadata.read(gguf);
        } catch (IOException e) {
            throw new LlmException("llama.cpp cannot load " + gguf + ": " + e.getMessage(), e);
        }
        long modelMb = Files.size(gguf) >> 20;
        // llama.cpp maps the whole file; the JVM and llama.cpp's buffers need about another GiB.
        if (options.memoryMb() > 0 && modelMb + 1024 > options.memoryMb()) {
            throw new LlmException("the model (" + modelMb + " MiB) does not fit the worker's memory limit of "
                    + options.memoryMb() + " MiB with room for the JVM and llama.cpp's buffers (1 GiB): raise the limit "
                    + "(a node's --llm-worker-memory-mb) to at least " + (modelMb + 1024 + 1023) / 1024 * 1024);
        }
        Keccak256 digest = digest(gguf);
        // The binding extracts its native library into this folder and deletes "old" libraries it finds there:
        // workers sharing one folder (three nodes starting at once) break each other's library. One each.
        Path nativeDir = Files.createTempDirectory("verity-jllama");
        LlmEngine engine = new LlmEngine(gguf, digest, meta.addsBos() ? 1 : 0, nativeDir, options);
        try {
            engine.install(engine.launch());
            return engine;
        } catch (RuntimeException | IOException e) {
            engine.close();
            throw e;
        }
    }

    /** Starts a worker and waits for its ready line. */
    private Worker launch() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Small fixed reservations, so the address-space limit is left to llama.cpp: a default JVM reserves
        // 1 GiB for class metadata and 240 MiB for code it never uses here.
        List<String> jvm = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:ReservedCodeCacheSize=64m",
                "-XX:CompressedClassSpaceSize=64m", "-XX:MaxMetaspaceSize=128m", "-XX:+UseSerialGC",
                // a crash report goes to the temp folder, not the node's working directory; no multi-GB core files
                "-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "verity-llama-hs_err_%p.log"),
                "-XX:-CreateCoredumpOnCrash",
                "-Dde.kherud.llama.tmpdir=" + nativeDir, "-cp", System.getProperty("java.class.path")));
        // Test-only: a worker that hangs on a marked prompt or while loading (LlamaWorker.TEST_HOOKS). Set only by tests, in this JVM.
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith(LlamaWorker.TEST_HOOKS)) jvm.add(jvm.size() - 2, "-D" + k + "=" + System.getProperty(k));
        }
        jvm.addAll(List.of(LlamaWorker.class.getName(), model.toAbsolutePath().toString(), Integer.toString(options.threads())));
        List<String> cmd = new ArrayList<>();
        if (options.memoryMb() > 0) {
            // ulimit applies to the shell, which exec replaces with the JVM: the limit holds from its first instruction.
            cmd.addAll(List.of("/bin/sh", "-c", "ulimit -v \"$0\" && exec \"$@\"", Long.toString(options.memoryMb() * 1024)));
        }
        cmd.addAll(jvm);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        Map<String, String> keep = new java.util.HashMap<>();
        for (String k : List.of("PATH", "HOME", "LANG", "TMPDIR")) if (env.get(k) != null) keep.put(k, env.get(k));
        env.clear();
        env.putAll(keep);
        env.put("MALLOC_ARENA_MAX", "2"); // glibc reserves 64 MiB of address space per arena and thread otherwise
        pb.redirectError(options.log() == null ? ProcessBuilder.Redirect.DISCARD
                : ProcessBuilder.Redirect.appendTo(options.log().toFile()));
        Worker w = new Worker(pb.start());
        // Loading is held to the stall limit too (at least LOAD_FLOOR: a JVM and a model starting on a busy machine
        // take seconds, and a limit tuned for silence between tokens must not kill every restart).
        Thread watchdog = watch(w, options.stallLimit().isZero() ? Duration.ZERO : max(options.stallLimit(), LOAD_FLOOR));
        try {
            JsonNode first = readLine(w);
            if (first.has("fatal")) throw new LlmException(first.get("fatal").asText());
            if (!first.path("ready").asBoolean()) throw new LlmException("llama.cpp worker said " + first + " instead of ready");
            return w;
        } catch (WorkerGone e) {
            kill(w);
            if (w.stalled) {
                throw new LlmException("the llama.cpp worker wrote nothing for " + max(options.stallLimit(), LOAD_FLOOR).toMillis()
                        + " ms while loading the model (--llm-stall-ms, at least " + LOAD_FLOOR.toSeconds()
                        + " s while loading) and was killed (its log says where it stopped)");
            }
            throw new LlmException("the llama.cpp worker exited before it was ready (its log says why)");
        } catch (RuntimeException e) {
            kill(w);
            throw e;
        } finally {
            if (watchdog != null) watchdog.interrupt();
        }
    }

    private void install(Worker w) {
        worker = w;
        state = State.UP;
        w.process.onExit().thenRun(() -> died(w, "exited with status " + w.process.exitValue()));
    }

    /** The worker is gone: once per worker, mark the engine restarting and start the next one after the backoff. */
    private void died(Worker w, String why) {
        if (!w.gone.compareAndSet(false, true) || closed) return;
        kill(w); // when it only stopped answering
        lastFailure = "the llama.cpp worker " + (w.stalled ? "hung: " + stalled() : why);
        state = State.RESTARTING;
        // A worker that ran a good while before dying starts the backoff over.
        if (System.nanoTime() - w.startedNanos > options.maxBackoff().toNanos()) backoff = options.minBackoff();
        Duration wait = backoff;
        Thread.ofVirtual().name("llama-restart").start(() -> restart(wait));
    }

    private void restart(Duration wait) {
        Duration next = wait;
        while (!closed) {
            try {
                Thread.sleep(next);
            } catch (InterruptedException e) {
                return;
            }
            if (closed) return;
            try {
                Worker w = launch();
                synchronized (this) {
                    if (closed) {
                        kill(w);
                        return;
                    }
                    restarts.incrementAndGet();
                    backoff = next.multipliedBy(2).compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : next.multipliedBy(2);
                    install(w);
                }
                return;
            } catch (IOException | RuntimeException e) {
                lastFailure = "restarting the llama.cpp worker failed: " + e.getMessage();
                state = State.FAILED;
                next = next.multipliedBy(2).compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : next.multipliedBy(2);
            }
        }
    }

    /** Whether the engine can take a request now; see the class comment. */
    public State state() {
        return closed ? State.CLOSED : state;
    }

    /** Why the engine is not up (the last worker death or failed restart), or "" when it never failed. */
    public String lastFailure() {
        return lastFailure;
    }

    /** How many times a dead worker was replaced. */
    public long restarts() {
        return restarts.get();
    }

    /** The current worker's process id, while there is one that is alive (for operators and tests). */
    public java.util.OptionalLong workerPid() {
        Worker w = worker;
        return w != null && w.process.isAlive() ? java.util.OptionalLong.of(w.process.pid()) : java.util.OptionalLong.empty();
    }

    public Options options() {
        return options;
    }

    /** keccak256 of the model file: the receipt's modelDigest. */
    public Keccak256 modelDigest() {
        return digest;
    }

    public Path modelFile() {
        return model;
    }

    public String id() {
        return "llama.cpp/jllama-" + BINDING_VERSION + "/cpu";
    }

    /**
     * Chat completion: applies the GGUF's chat template to {@code messages} and generates.
     *
     * @param onToken called with each token's text as it is sampled (on the caller's thread); may be null
     */
    public Completion chat(List<ChatMessage> messages, Sampling sampling, List<String> stop, Constraint constraint,
            Consumer<String> onToken) {
        ObjectNode req = request(sampling, stop, constraint);
        ArrayNode arr = req.putArray("messages");
        for (ChatMessage m : messages) arr.addObject().put("role", m.role()).put("content", m.content());
        return run(req, onToken);
    }

    /** Plain completion of {@code prompt}, no chat template. */
    public Completion complete(String prompt, Sampling sampling, List<String> stop, Constraint constraint,
            Consumer<String> onToken) {
        ObjectNode req = request(sampling, stop, constraint);
        req.put("prompt", Objects.requireNonNull(prompt, "prompt"));
        return run(req, onToken);
    }

    private static ObjectNode request(Sampling s, List<String> stop, Constraint constraint) {
        ObjectNode req = JSON.createObjectNode();
        req.put("maxTokens", s.maxTokens()).put("temperature", s.temperature()).put("topP", s.topP())
                .put("seed", s.seed()); // no "stream": the worker writes every token, the watchdog's sign of progress
        ArrayNode st = req.putArray("stop");
        stop.forEach(st::add);
        if (constraint != null && constraint.grammar() != null) req.put("grammar", constraint.grammar());
        if (constraint != null && constraint.jsonSchema() != null) req.put("jsonSchema", constraint.jsonSchema());
        return req;
    }

    private Completion run(ObjectNode req, Consumer<String> onToken) {
        Keccak256 key = poisonKey(req);
        lock.lock();
        try {
            if (closed) throw new LlmException("the llama.cpp engine is closed");
            if (poisoned(key)) {
                throw new LlmException(LlmException.Fault.POISON, "a llama.cpp worker crashed on this request less than "
                        + options.poisonTtl().toMinutes() + " min ago; it is refused instead of being run again");
            }
            Worker w = worker;
            if (state != State.UP || w == null || w.gone.get()) {
                // a worker just killed (gone) may not have been marked RESTARTING yet: it is, as far as callers go
                State said = state == State.UP ? State.RESTARTING : state;
                throw new LlmException("the llama.cpp worker is " + said.wireName() + "; retry shortly");
            }
            long id = nextId++;
            req.put("id", id);
            w.lastLineNanos = System.nanoTime();
            Thread watchdog = watch(w); // from before the write: a worker that no longer reads blocks it too
            try {
                w.stdin.write(JSON.writeValueAsString(req));
                w.stdin.write('\n');
                w.stdin.flush();
                while (true) {
                    JsonNode line = readLine(w);
                    if (line.path("id").asLong(-2) != id) continue;
                    w.lastLineNanos = System.nanoTime();
                    if (line.has("token")) {
                        if (onToken != null) {
                            w.callerBusy = true;
                            try {
                                onToken.accept(line.get("token").asText());
                            } finally {
                                w.callerBusy = false;
                                w.lastLineNanos = System.nanoTime();
                            }
                        }
                    } else if (line.has("error")) {
                        throw new LlmException(LlmException.Fault.REQUEST, "llama.cpp refused the request: "
                                + line.get("error").asText());
                    } else if (line.has("done")) {
                        JsonNode d = line.get("done");
                        return new Completion(d.get("text").asText(), d.get("prompt").asText(), d.get("promptTokens").asInt() + bos,
                                d.get("completionTokens").asInt(), d.get("finishReason").asText());
                    }
                }
            } catch (IOException | WorkerGone e) {
                throw lost(w, key);
            } finally {
                if (watchdog != null) watchdog.interrupt();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Kills {@code w} when its last line is older than the stall limit, until interrupted (the request ended, or the
     * worker said it is ready).
     * Null when there is no limit.
     */
    private Thread watch(Worker w) {
        return watch(w, options.stallLimit());
    }

    /** The least time a worker may take to load before it counts as hung. */
    static final Duration LOAD_FLOOR = Duration.ofSeconds(10);

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private Thread watch(Worker w, Duration stallLimit) {
        long limit = stallLimit.toNanos();
        if (limit == 0) return null;
        return Thread.ofVirtual().name("llama-watchdog").start(() -> {
            try {
                while (true) {
                    long quiet = System.nanoTime() - w.lastLineNanos;
                    if (quiet >= limit && !w.callerBusy) break;
                    Thread.sleep(Duration.ofNanos(quiet >= limit ? limit : limit - quiet));
                }
            } catch (InterruptedException e) {
                return; // the request ended in time
            }
            if (Thread.currentThread().isInterrupted()) return; // it ended just now
            w.stalled = true;
            kill(w); // its stdout ends: the request's read fails and takes the crash path (lost)
        });
    }

    private String stalled() {
        return "it wrote nothing for " + options.stallLimit().toMillis() + " ms while running a request and was killed";
    }

    /** Kills the worker and anything it started (the shell's exec leaves none today; a native helper might). */
    private static void kill(Worker w) {
        w.process.descendants().forEach(ProcessHandle::destroyForcibly);
        w.process.destroyForcibly();
    }

    /** The worker died while running the request with {@code key}: whose fault was it? */
    private LlmException lost(Worker w, Keccak256 key) {
        int status;
        try {
            status = w.process.waitFor(5, TimeUnit.SECONDS) ? w.process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = -1;
        }
        died(w, status < 0 ? "stopped answering" : "exited with status " + status + " while running a request");
        if (closed || !w.stalled && (status == SIGKILLED || status == SIGTERMED || status < 0)) {
            return new LlmException("the llama.cpp worker was stopped (status " + status + ") while running this request; "
                    + "it restarts");
        }
        // A worker hung on this request is treated as one that crashed on it: another worker would hang the same way.
        remember(key);
        if (w.stalled) {
            return new LlmException(LlmException.Fault.POISON, "the llama.cpp worker hung on this request (" + stalled()
                    + "); it restarts, and this request is refused for " + options.poisonTtl().toMinutes() + " min");
        }
        return new LlmException(LlmException.Fault.POISON, "the llama.cpp worker crashed on this request (status " + status
                + "); it restarts, and this request is refused for " + options.poisonTtl().toMinutes() + " min");
    }

    private void remember(Keccak256 key) {
        synchronized (poison) {
            poison.remove(key);
            poison.put(key, System.nanoTime() + options.poisonTtl().toNanos());
            while (poison.size() > options.poisonCapacity()) poison.remove(poison.keySet().iterator().next());
        }
    }

    private boolean poisoned(Keccak256 key) {
        synchronized (poison) {
            Long until = poison.get(key);
            if (until == null) return false;
            if (System.nanoTime() - until < 0) return true;
            poison.remove(key);
            return false;
        }
    }

    /** What makes a request crash or hang a worker: everything it sends but its id and seed. */
    private static Keccak256 poisonKey(ObjectNode req) {
        ObjectNode k = req.deepCopy();
        k.remove(List.of("id", "seed"));
        try {
            return Keccak256.hash(JSON.writeValueAsBytes(k));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The worker's stdout ended. */
    private static final class WorkerGone extends RuntimeException {
        WorkerGone() {
            super(null, null, false, false);
        }
    }

    /** The next protocol line; lines that are not JSON objects (stray native output) are skipped. */
    private static JsonNode readLine(Worker w) {
        try {
            while (true) {
                String s = w.stdout.readLine();
                if (s == null) throw new WorkerGone();
                if (!s.startsWith("{")) continue;
                try {
                    return JSON.readTree(s);
                } catch (IOException e) {
                    // not ours
                }
            }
        } catch (IOException e) {
            throw new WorkerGone();
        }
    }

    static Keccak256 digest(Path file) throws IOException {
        Keccak.Digest256 k = new Keccak.Digest256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) k.update(buf, 0, n);
        }
        return Keccak256.wrap(k.digest());
    }

    /** Closes the worker's stdin so it exits; kills it after 5 s; stops restarting. Idempotent. */
    @Override
    public void close() {
        Worker w;
        synchronized (this) {
            if (closed) return;
            closed = true;
            w = worker;
        }
        if (w != null) {
            try {
                w.stdin.close();
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!w.process.waitFor(5, TimeUnit.SECONDS)) {
                    w.process.destroyForcibly();
                    w.process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                w.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (var files = Files.walk(nativeDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temp folder is harmless
        }
    }
}
