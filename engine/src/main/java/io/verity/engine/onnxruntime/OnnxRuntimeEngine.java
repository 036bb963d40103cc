package io.verity.engine.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.verity.engine.EngineException;
import io.verity.engine.EngineException.Kind;
import io.verity.engine.InferenceEngine;
import io.verity.engine.LoadedModel;
import io.verity.protocol.Keccak256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ONNX Runtime on the CPU behind {@link InferenceEngine}.
 *
 * <p>One process-wide {@link OrtEnvironment}; one session per model digest, created on the first
 * {@link #load} and shared by every later {@code load} of that digest (concurrent loads of one digest create
 * one session; the others wait for it). The engine id is {@code onnxruntime/<ORT version>/cpu} followed by
 * {@link OnnxRuntimeSettings#idSuffix()}, e.g. {@code onnxruntime/1.29.0/cpu} for the defaults or
 * {@code onnxruntime/1.29.0/cpu/opt=all/intra=4}; the version is read from the loaded native library, not
 * from the jar name.
 *
 * <p>Usage: {@code try (var engine = OnnxRuntimeEngine.create()) { engine.load(digest, file).run(inputs); }}
 */
public final class OnnxRuntimeEngine implements InferenceEngine {
    private final OrtEnvironment env;
    private final OnnxRuntimeSettings settings;
    private final String id;
    private final ConcurrentHashMap<Keccak256, CompletableFuture<OrtModel>> models = new ConcurrentHashMap<>();
    private boolean closed; // guarded by this; only the tiny map/closed sections synchronize, never a load
    private final AtomicInteger sessionsCreated = new AtomicInteger(); // for tests: "loads once"

    private OnnxRuntimeEngine(OrtEnvironment env, OnnxRuntimeSettings settings) {
        this.env = env;
        this.settings = settings;
        this.id = "onnxruntime/" + env.getVersion() + "/cpu" + settings.idSuffix();
    }

    /** An engine with {@link OnnxRuntimeSettings#defaults()}. */
    public static OnnxRuntimeEngine create() {
        return create(OnnxRuntimeSettings.defaults());
    }

    /**
     * @throws EngineException of kind FAILURE when the ONNX Runtime native library cannot be loaded
     */
    public static OnnxRuntimeEngine create(OnnxRuntimeSettings settings) {
        Objects.requireNonNull(settings, "settings");
        return new OnnxRuntimeEngine(environment(), settings);
    }

    private static OrtEnvironment environment;

    /**
     * ORT keeps one environment per process (the first caller's logging level wins). It is created on a
     * thread of our own with an 8 MiB stack: ORT 1.29's native start-up segfaults on a JVM thread with the
     * default 1 MiB stack when the process command line is long (a {@code -cp} of ~4000 characters is enough),
     * which is exactly how a node is launched. Once created, every thread may use it.
     */
    private static synchronized OrtEnvironment environment() {
        if (environment != null) return environment;
        OrtEnvironment[] env = new OrtEnvironment[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                env[0] = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "verity");
            } catch (Throwable e) { // UnsatisfiedLinkError when the native library cannot load
                failure[0] = e;
            }
        }, "onnxruntime-init", 8L << 20);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // finish the start-up anyway, then restore the flag
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (env[0] == null) throw new EngineException(Kind.FAILURE, "cannot start onnxruntime: " + failure[0], failure[0]);
        environment = env[0];
        return environment;
    }

    @Override
    public String id() {
        return id;
    }

    public OnnxRuntimeSettings settings() {
        return settings;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A failed load is not cached: the next {@code load} of the digest tries again.
     *
     * @throws IllegalStateException when the engine is closed
     */
    @Override
    public LoadedModel load(Keccak256 digest, Path file) {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(file, "file");
        CompletableFuture<OrtModel> mine = new CompletableFuture<>();
        CompletableFuture<OrtModel> existing;
        synchronized (this) {
            if (closed) throw new IllegalStateException("engine " + id + " is closed");
            existing = models.putIfAbsent(digest, mine);
        }
        if (existing != null) return await(existing);
        try {
            mine.complete(open(digest, file));
        } catch (RuntimeException | Error e) {
            models.remove(digest, mine);
            mine.completeExceptionally(e);
            throw e;
        }
        return await(mine);
    }

    private static OrtModel await(CompletableFuture<OrtModel> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof EngineException ee) {
                // Rethrow a fresh exception so this caller's stack shows up, keeping the kind and message.
                throw new EngineException(ee.kind(), ee.getMessage(), ee);
            }
            throw e;
        }
    }

    private OrtModel open(Keccak256 digest, Path file) {
        String label = "model " + digest.toHex() + " (" + file.getFileName() + ")";
        if (!Files.isRegularFile(file)) {
            throw new EngineException(Kind.INVALID_MODEL, label + ": no model file at " + file);
        }
        OrtSession session;
        try (SessionOptions options = sessionOptions()) {
            session = env.createSession(file.toString(), options);
            sessionsCreated.incrementAndGet();
        } catch (OrtException e) {
            throw OrtErrors.atLoad(label, e);
        }
        return OrtModel.open(env, digest, label, session);
    }

    private SessionOptions sessionOptions() throws OrtException {
        SessionOptions o = new SessionOptions();
        try {
            o.setIntraOpNumThreads(settings.intraOpThreads());
            o.setInterOpNumThreads(settings.interOpThreads());
            o.setExecutionMode(settings.interOpThreads() > 1 ? ExecutionMode.PARALLEL : ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(switch (settings.optimization()) {
                case DISABLED -> OptLevel.NO_OPT;
                case BASIC -> OptLevel.BASIC_OPT;
                case EXTENDED -> OptLevel.EXTENDED_OPT;
                case LAYOUT -> OptLevel.LAYOUT_OPT;
                case ALL -> OptLevel.ALL_OPT;
            });
            // Errors reach the caller inside EngineException; ORT's own stderr copy would only be noise.
            o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            return o;
        } catch (OrtException | RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** How many ORT sessions this engine has created (tests check that concurrent loads share one). */
    int sessionsCreated() {
        return sessionsCreated.get();
    }

    /** Waits for runs of the model in flight (and for a load of it in progress) before freeing it. */
    @Override
    public void unload(Keccak256 digest) {
        Objects.requireNonNull(digest, "digest");
        CompletableFuture<OrtModel> f = models.remove(digest);
        if (f != null) closeWhenLoaded(f);
    }

    /** Unloads every model (waiting for runs in flight) and refuses later loads; idempotent. */
    @Override
    public void close() {
        List<CompletableFuture<OrtModel>> all;
        synchronized (this) {
            if (closed) return;
            closed = true;
            all = new ArrayList<>(models.values());
            models.clear();
        }
        // The environment is process-wide and shared with other engines, so it stays open.
        RuntimeException first = null;
        for (CompletableFuture<OrtModel> f : all) {
            try {
                closeWhenLoaded(f);
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    private static void closeWhenLoaded(CompletableFuture<OrtModel> f) {
        OrtModel m;
        try {
            m = f.join();
        } catch (CompletionException e) {
            return; // the load failed: nothing to free
        }
        m.close();
    }

    @Override
    public String toString() {
        return id;
    }
}
