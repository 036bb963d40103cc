package io.verity.node.serve;

import io.verity.engine.EngineKind;
import io.verity.engine.Inference;
import io.verity.engine.InferenceEngine;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeSettings;
import io.verity.node.hub.Manifest;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.Receipt;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The engines one node serves with: its default ({@code --engine}), and the other kind, created when a model's
 * manifest first names it, so a node that never needs a second engine never pays for one. Closing closes them all.
 * Thread-safe.
 */
public final class Engines implements AutoCloseable {
    private final EngineKind defaultKind;
    private final Function<EngineKind, InferenceEngine> create;
    private final Map<EngineKind, InferenceEngine> engines = new EnumMap<>(EngineKind.class); // guarded by this
    private boolean closed;

    /**
     * @param defaultEngine the engine for models whose manifest names none; owned from here on
     * @param create makes an engine of another kind on first use (e.g. {@link #create(EngineKind, int)})
     */
    public Engines(InferenceEngine defaultEngine, Function<EngineKind, InferenceEngine> create) {
        this.defaultKind = kindOf(defaultEngine);
        this.create = Objects.requireNonNull(create, "create");
        engines.put(defaultKind, defaultEngine);
    }

    /**
     * A new engine of {@code kind}. det runs untraced: its receipts sign {@code Receipt.TRACE_ON_CHALLENGE} and the
     * node recomputes the trace only when one is challenged ({@link #signedTraceRoot}), so a disputable answer costs
     * an untraced run.
     */
    public static InferenceEngine create(EngineKind kind, int threads) {
        return switch (kind) {
            case DET -> DeterministicEngine.create(threads, false);
            case ONNXRUNTIME -> OnnxRuntimeEngine.create(OnnxRuntimeSettings.defaults().withIntraOpThreads(threads));
        };
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
        return engines.computeIfAbsent(kind, create);
    }

    @Override
    public void close() {
        List<InferenceEngine> all;
        synchronized (this) {
            if (closed) return;
            closed = true;
            all = new ArrayList<>(engines.values());
        }
        RuntimeException failed = null;
        for (InferenceEngine e : all) {
            try {
                e.close();
            } catch (RuntimeException x) {
                if (failed == null) failed = x; else failed.addSuppressed(x);
            }
        }
        if (failed != null) throw failed;
    }
}
