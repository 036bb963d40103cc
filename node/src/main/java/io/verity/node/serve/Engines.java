package io.verity.node.serve;

import io.verity.engine.EngineException;
import io.verity.engine.EngineKind;
import io.verity.engine.Inference;
import io.verity.engine.InferenceEngine;
import io.verity.engine.LoadedModel;
import io.verity.engine.RunStop;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.det.DeterministicEngines;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeSettings;
import io.verity.node.NodeConfig;
import io.verity.node.hub.Manifest;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engines one node serves with: its default ({@code --engine}), and the other kind, created when a model's
 * manifest first names it, so a node that never needs a second engine never pays for one; and, for re-executing
 * receipts signed under another deterministic contract ({@link #deterministic}), one det engine per such contract,
 * made on first use. Closing closes them all. Runs served through {@link #run} are stopped at the node's time
 * limit. Thread-safe.
 */
public final class Engines implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);
    private final EngineKind defaultKind;
    private final int threads;
    private final String detContract;
    private final DetTrace detTrace;
    private final Map<EngineKind, InferenceEngine> engines = new EnumMap<>(EngineKind.class); // guarded by this
    private final DeterministicEngines otherContracts;
    private final Duration maxRun;
    /** Throws the stop of the runs past {@link #maxRun}; null without a limit. */
    private final ScheduledThreadPoolExecutor watchdog;
    /** The runs under way and their deadlines ({@link System#nanoTime}). */
    private final Map<RunStop, Long> running = new ConcurrentHashMap<>();
    private boolean closed;

    /** Engines whose runs are not limited in time. */
    public Engines(InferenceEngine defaultEngine, int threads, String detContract) {
        this(defaultEngine, threads, detContract, DetTrace.ON_CHALLENGE, Duration.ZERO);
    }

    /**
     * @param defaultEngine the engine for models whose manifest names none; owned from here on
     * @param threads the threads of every engine made here ({@link #create})
     * @param detContract the contract of a det engine made here to serve ({@link NodeConfig#detContract()})
     * @param detTrace whether a det engine made here to serve traces every run ({@link NodeConfig#detTrace()})
     * @param maxRun how long one {@link #run} may take before it is stopped ({@link NodeConfig#maxRun()}); zero: no limit
     */
    public Engines(InferenceEngine defaultEngine, int threads, String detContract, DetTrace detTrace, Duration maxRun) {
        this.defaultKind = kindOf(defaultEngine);
        this.threads = threads;
        this.detContract = Objects.requireNonNull(detContract, "detContract");
        this.detTrace = Objects.requireNonNull(detTrace, "detTrace");
        this.maxRun = Objects.requireNonNull(maxRun, "maxRun");
        if (maxRun.isNegative()) throw new IllegalArgumentException("maxRun must be >= 0, got " + maxRun);
        this.watchdog = maxRun.isZero() ? null : watchdog();
        this.otherContracts = DeterministicEngines.create(threads, true);
        engines.put(defaultKind, defaultEngine);
    }

    /**
     * Ticks at a fixed rate (a tenth of the limit, at most 100 ms) and stops the runs past their deadline. A timer per
     * run would wake this thread on every answer (one more context switch per request); the tick costs ten or so
     * wake-ups a second whatever the load, and stops a run at most one tick late.
     */
    private ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("run-watchdog").factory());
        long tick = Math.max(1, Math.min(100, maxRun.toMillis() / 10));
        w.scheduleAtFixedRate(this::stopLateRuns, tick, tick, TimeUnit.MILLISECONDS);
        return w;
    }

    private void stopLateRuns() {
        long now = System.nanoTime();
        running.forEach((stop, deadline) -> {
            if (now - deadline >= 0 && running.remove(stop, deadline)) stopQuietly(stop);
        });
    }

    /** How long one run may take; zero for no limit. */
    public Duration maxRun() {
        return maxRun;
    }

    /**
     * Runs {@code model} on {@code inputs}, stopped when it takes longer than {@link #maxRun()}: a model with a
     * dynamic input can be made to run for minutes by one request, and stopping frees the thread it held.
     *
     * @throws EngineException STOPPED when it was stopped, as {@link LoadedModel#run(List, RunStop)} otherwise
     */
    public Inference run(LoadedModel model, List<Tensor> inputs) {
        try {
            return limited(stop -> model.run(inputs, stop));
        } catch (EngineException e) {
            if (e.kind() == EngineException.Kind.STOPPED) LOG.warn("a run of model {} was stopped at the limit of {} ms", model.digest(), maxRun.toMillis());
            throw e;
        }
    }

    /**
     * Runs {@code work} under one stop that is thrown {@link #maxRun()} from now: the runs it makes one after
     * another share the limit, so a request of many inputs (an embeddings request) cannot take the limit once per
     * input. Gets {@link RunStop#NEVER} without a limit.
     *
     * @throws EngineException STOPPED from the run under way when the limit passed
     */
    public <T> T limited(Function<RunStop, T> work) {
        if (watchdog == null) return work.apply(RunStop.NEVER);
        RunStop stop = new RunStop();
        running.put(stop, System.nanoTime() + maxRun.toNanos());
        try {
            return work.apply(stop);
        } finally {
            running.remove(stop);
        }
    }

    private static void stopQuietly(RunStop stop) {
        try {
            stop.stop();
        } catch (RuntimeException e) { // the run then goes on to its end, and is answered late: log, keep the watchdog
            LOG.error("cannot stop a run that went past its limit", e);
        }
    }

    /**
     * A new engine of {@code kind}; det computes {@code detContract} and runs untraced: its receipts sign
     * {@code Receipt.TRACE_ON_CHALLENGE} and the node recomputes the trace only when one is challenged
     * ({@link #signedTraceRoot}), so a disputable answer costs an untraced run.
     */
    public static InferenceEngine create(EngineKind kind, int threads, String detContract) {
        return create(kind, threads, detContract, DetTrace.ON_CHALLENGE);
    }

    /** As {@link #create(EngineKind, int, String)}; with {@link DetTrace#EAGER} det traces every run and signs its root. */
    public static InferenceEngine create(EngineKind kind, int threads, String detContract, DetTrace detTrace) {
        return switch (kind) {
            case DET -> DeterministicEngine.create(threads, detTrace == DetTrace.EAGER, detContract);
            case ONNXRUNTIME -> OnnxRuntimeEngine.create(OnnxRuntimeSettings.defaults().withIntraOpThreads(threads));
        };
    }

    /**
     * The deterministic engine computing contract {@code engineId} (a receipt's {@code engine}), to re-execute or
     * judge that receipt: the node's own det engine when it computes that contract, else one made on first use.
     * Empty for an id no deterministic engine of this version computes (ONNX Runtime's, or a newer contract).
     */
    public synchronized Optional<DeterministicEngine> deterministic(String engineId) {
        if (closed) throw new IllegalStateException("engines are closed");
        // the serving det engine when it is (or would be made as) this contract, so its loaded models are shared
        InferenceEngine own = engineId.equals(detContract) ? get(EngineKind.DET) : engines.get(EngineKind.DET);
        if (own instanceof DeterministicEngine d && d.id().equals(engineId)) return Optional.of(d);
        return otherContracts.forContract(engineId);
    }

    /** What kind an engine a caller built is: the deterministic interpreter or, for any other, ONNX Runtime's place. */
    public static EngineKind kindOf(InferenceEngine engine) {
        return engine instanceof DeterministicEngine ? EngineKind.DET : EngineKind.ONNXRUNTIME;
    }

    /**
     * The traceRoot a receipt of {@code engine}'s run signs: the run's own root when the engine traced it (eager),
     * {@link Receipt#TRACE_ON_CHALLENGE} for an untraced deterministic run (the node commits the trace if challenged,
     * docs/deterministic-engine.md, "Trace on challenge"), zero for an engine that cannot replay (not disputable).
     */
    public static Keccak256 signedTraceRoot(InferenceEngine engine, Inference run) {
        if (!run.traceRoot().equals(Keccak256.ZERO) || kindOf(engine) != EngineKind.DET) return run.traceRoot();
        return Receipt.TRACE_ON_CHALLENGE;
    }

    public EngineKind defaultKind() {
        return defaultKind;
    }

    public synchronized InferenceEngine defaultEngine() {
        return engines.get(defaultKind);
    }

    /** The engine that runs {@code model}: the one its manifest names, else the default. */
    public InferenceEngine forModel(Manifest model) {
        return get(kindFor(model));
    }

    /** The kind of engine that runs {@code model}: the one its manifest names, else the default. */
    public EngineKind kindFor(Manifest model) {
        return model.engine().orElse(defaultKind);
    }

    /** The engine of {@code kind}, created on first use. */
    public synchronized InferenceEngine get(EngineKind kind) {
        if (closed) throw new IllegalStateException("engines are closed");
        return engines.computeIfAbsent(kind, k -> create(k, threads, detContract, detTrace));
    }

    @Override
    public void close() {
        List<Runnable> all = new ArrayList<>();
        synchronized (this) {
            if (closed) return;
            closed = true;
            engines.values().forEach(e -> all.add(e::close));
        }
        all.add(otherContracts::close);
        if (watchdog != null) all.add(watchdog::shutdownNow);
        RuntimeException failed = null;
        for (Runnable close : all) {
            try {
                close.run();
            } catch (RuntimeException x) {
                if (failed == null) failed = x; else failed.addSuppressed(x);
            }
        }
        if (failed != null) throw failed;
    }
}
