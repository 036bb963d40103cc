package io.verity.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.bouncycastle.jcajce.provider.digest.Keccak;

/**
 * A GGUF model served by llama.cpp in a child JVM ({@link LlamaWorker}), so the caller's JVM can exit and a
 * native crash stays out of it. One request runs at a time (llama.cpp here has one slot); callers queue.
 *
 * <p>{@link #id()} is the receipt's engine id prefix, {@code llama.cpp/jllama-4.2.0/cpu}; the node appends
 * the sampling settings.
 */
public final class LlmEngine implements AutoCloseable {
    /** de.kherud:llama, whose jar bundles the llama.cpp build we run. */
    public static final String BINDING_VERSION = "4.2.0";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path model;
    private final Keccak256 digest;
    private final int bos; // llama.cpp prepends BOS to the prompt; encode() does not count it
    private final Path nativeDir;
    private final Process process;
    private final BufferedWriter stdin;
    private final BufferedReader stdout;
    private final ReentrantLock lock = new ReentrantLock();
    private long nextId;
    private volatile boolean closed;

    private LlmEngine(Path model, Keccak256 digest, int bos, Path nativeDir, Process process) {
        this.nativeDir = nativeDir;
        this.model = model;
        this.digest = digest;
        this.bos = bos;
        this.process = process;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * Starts the child process on {@code gguf} and waits until llama.cpp has loaded it.
     *
     * @param threads CPU threads for llama.cpp, >= 1
     * @param log where the child's stderr (llama.cpp's log) goes; null discards it
     * @throws LlmException when the child cannot start or llama.cpp refuses the file
     */
    public static LlmEngine start(Path gguf, int threads, Path log) throws IOException {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (!Files.isRegularFile(gguf)) throw new IllegalArgumentException("no GGUF file at " + gguf);
        GgufMetadata meta;
        try {
            meta = GgufMetadata.read(gguf);
        } catch (IOException e) {
            throw new LlmException("llama.cpp cannot load " + gguf + ": " + e.getMessage(), e);
        }
        Keccak256 digest = digest(gguf);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The binding extracts its native library into this folder and deletes "old" libraries it finds there:
        // workers sharing one folder (three nodes starting at once) break each other's library. One each.
        Path nativeDir = Files.createTempDirectory("verity-jllama");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-Dde.kherud.llama.tmpdir=" + nativeDir,
                "-cp", System.getProperty("java.class.path"),
                LlamaWorker.class.getName(), gguf.toAbsolutePath().toString(), Integer.toString(threads)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(log.toFile()));
        LlmEngine engine = new LlmEngine(gguf, digest, meta.addsBos() ? 1 : 0, nativeDir, pb.start());
        try {
            JsonNode first = engine.readLine();
            if (first.has("fatal")) throw new LlmException(first.get("fatal").asText());
            if (!first.path("ready").asBoolean()) throw new LlmException("llama.cpp worker said " + first + " instead of ready");
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
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
        ObjectNode req = request(sampling, stop, constraint, onToken != null);
        ArrayNode arr = req.putArray("messages");
        for (ChatMessage m : messages) arr.addObject().put("role", m.role()).put("content", m.content());
        return run(req, onToken);
    }

    /** Plain completion of {@code prompt}, no chat template. */
    public Completion complete(String prompt, Sampling sampling, List<String> stop, Constraint constraint,
            Consumer<String> onToken) {
        ObjectNode req = request(sampling, stop, constraint, onToken != null);
        req.put("prompt", Objects.requireNonNull(prompt, "prompt"));
        return run(req, onToken);
    }

    private static ObjectNode request(Sampling s, List<String> stop, Constraint constraint, boolean stream) {
        ObjectNode req = JSON.createObjectNode();
        req.put("maxTokens", s.maxTokens()).put("temperature", s.temperature()).put("topP", s.topP())
                .put("seed", s.seed()).put("stream", stream);
        ArrayNode st = req.putArray("stop");
        stop.forEach(st::add);
        if (constraint != null && constraint.grammar() != null) req.put("grammar", constraint.grammar());
        if (constraint != null && constraint.jsonSchema() != null) req.put("jsonSchema", constraint.jsonSchema());
        return req;
    }

    private Completion run(ObjectNode req, Consumer<String> onToken) {
        lock.lock();
        try {
            if (closed) throw new LlmException("the llama.cpp engine is closed");
            long id = nextId++;
            req.put("id", id);
            try {
                stdin.write(JSON.writeValueAsString(req));
                stdin.write('\n');
                stdin.flush();
            } catch (IOException e) {
                throw new LlmException("the llama.cpp worker is gone: " + e.getMessage(), e);
            }
            while (true) {
                JsonNode line = readLine();
                if (line.path("id").asLong(-2) != id) continue;
                if (line.has("token")) {
                    if (onToken != null) onToken.accept(line.get("token").asText());
                } else if (line.has("error")) {
                    throw new LlmException("llama.cpp refused the request: " + line.get("error").asText());
                } else if (line.has("done")) {
                    JsonNode d = line.get("done");
                    return new Completion(d.get("text").asText(), d.get("prompt").asText(), d.get("promptTokens").asInt() + bos,
                            d.get("completionTokens").asInt(), d.get("finishReason").asText());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The next protocol line; lines that are not JSON objects (stray native output) are skipped. */
    private JsonNode readLine() {
        try {
            while (true) {
                String s = stdout.readLine();
                if (s == null) {
                    throw new LlmException("the llama.cpp worker exited" + (process.isAlive() ? "" : " with status "
                            + process.waitFor()));
                }
                if (!s.startsWith("{")) continue;
                try {
                    return JSON.readTree(s);
                } catch (IOException e) {
                    // not ours
                }
            }
        } catch (IOException e) {
            throw new LlmException("reading from the llama.cpp worker failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmException("interrupted while waiting for the llama.cpp worker", e);
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

    /** Closes the child's stdin so it exits; kills it after 5 s. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(nativeDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temp folder is harmless
        }
    }
}
