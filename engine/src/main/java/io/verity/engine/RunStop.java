package io.verity.engine;

/**
 * A run's stop switch: another thread (a node's watchdog at its time limit) throws it, and the engine ends the
 * run with {@link EngineException.Kind#STOPPED}, freeing the thread the run held. The deterministic interpreter
 * {@link #check checks} it between nodes, at each iteration of a Loop or Scan and inside kernels that can be long
 * on one node (DFT, STFT); ONNX Runtime gets it as its terminate flag ({@link #whileRunning}), which it reads
 * between nodes. One per run, or one for runs made one after another under a shared limit (the hook is per run);
 * checking is a volatile read.
 */
public final class RunStop {
    /** For runs nobody stops: {@link #stop} on it fails, and it keeps no hook. */
    public static final RunStop NEVER = new RunStop(false);

    private final boolean stoppable;
    private volatile boolean stopped;
    private Runnable hook; // guarded by this

    public RunStop() {
        this(true);
    }

    private RunStop(boolean stoppable) {
        this.stoppable = stoppable;
    }

    /** Stops the run at its next check; idempotent, from any thread. */
    public void stop() {
        if (!stoppable) throw new IllegalStateException("RunStop.NEVER cannot be stopped");
        synchronized (this) {
            if (stopped) return;
            stopped = true;
            if (hook != null) hook.run(); // under the lock, so the hook never runs after its registration closed
        }
    }

    public boolean stopped() {
        return stopped;
    }

    /** @throws EngineException STOPPED when the run was stopped */
    public void check() {
        if (stopped) throw stoppedException();
    }

    /** What a stopped run throws; the caller that stopped it knows why and says so. */
    public static EngineException stoppedException() {
        return new EngineException(EngineException.Kind.STOPPED, "the run was stopped");
    }

    /**
     * For an engine that cannot call {@link #check}: runs {@code onStop} when the run is stopped (at once when it
     * already is) until the returned registration is closed, which waits for an {@code onStop} in progress.
     */
    public Registration whileRunning(Runnable onStop) {
        if (!stoppable) return () -> {};
        synchronized (this) {
            hook = onStop;
            if (stopped) onStop.run();
        }
        return () -> {
            synchronized (this) {
                hook = null;
            }
        };
    }

    /** A hook's registration; closing it throws nothing. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
