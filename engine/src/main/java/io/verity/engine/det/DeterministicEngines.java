package io.verity.engine.det;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Deterministic engines by contract, each made on first use: whoever re-executes or judges a receipt (a referee,
 * a challenger, a node answering a dispute) picks the arithmetic by the receipt's {@code engine} here, so a
 * verity-det/2 receipt is recomputed as /2 by a process that signs /3. Closing closes every engine made. Thread-safe.
 */
public final class DeterministicEngines implements AutoCloseable {
    private final int threads;
    private final boolean tracing;
    private final Map<String, DeterministicEngine> engines = new HashMap<>(); // guarded by this
    private boolean closed;

    private DeterministicEngines(int threads, boolean tracing) {
        this.threads = threads;
        this.tracing = tracing;
    }

    /** @param threads, tracing as {@link DeterministicEngine#create(int, boolean, String)} for every engine made */
    public static DeterministicEngines create(int threads, boolean tracing) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        return new DeterministicEngines(threads, tracing);
    }

    /**
     * The engine computing contract {@code engineId}; empty for an id no deterministic engine of this version
     * computes (another engine's, or a newer contract): a caller refuses or abstains, it does not guess.
     */
    public synchronized Optional<DeterministicEngine> forContract(String engineId) {
        if (closed) throw new IllegalStateException("engines are closed");
        if (!DeterministicEngine.computes(engineId)) return Optional.empty();
        return Optional.of(engines.computeIfAbsent(engineId, id -> DeterministicEngine.create(threads, tracing, id)));
    }

    /**
     * As {@link #forContract}, for a caller that cannot go on without it.
     *
     * @throws IllegalArgumentException naming the id and the contracts computed
     */
    public DeterministicEngine require(String engineId) {
        return forContract(engineId).orElseThrow(() -> new IllegalArgumentException("receipt engine '" + engineId
                + "' is no deterministic contract this version computes (" + DeterministicEngine.ID + ", " + DeterministicEngine.ID_V3 + ")"));
    }

    @Override
    public void close() {
        List<DeterministicEngine> all;
        synchronized (this) {
            if (closed) return;
            closed = true;
            all = new ArrayList<>(engines.values());
        }
        all.forEach(DeterministicEngine::close);
    }
}
