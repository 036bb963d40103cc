package io.verity.engine.det.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The engine's own bounded pool. Work is split only across independent output elements: each index of
 * {@link #forEach} computes its outputs start to finish on one thread, so the split (and the thread count)
 * cannot change a single bit of the result.
 */
public final class Parallel implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();
    /** Runs everything on the caller: for work that is already one task of an outer split. */
    public static final Parallel SERIAL = new Parallel(1);
    final int threads;
    private final long minWork;
    private final ExecutorService pool;

    public Parallel(int threads) {
        this(threads, 32_768);
    }

    /** @param minWork below this much work a loop runs on the caller alone (tests pass 1 to split everything) */
    public Parallel(int threads, long minWork) {
        this.minWork = minWork;
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        int id = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "verity-det-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs body(i) for i in [0, n). {@code workPerIndex} is a rough cost used only to decide whether
     * splitting is worth it.
     */
    public void forEach(int n, long workPerIndex, IntConsumer body) {
        if (pool == null || n < 2 || (long) n * workPerIndex < minWork) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        int chunks = Math.min(n, threads * 4);
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                int lo = (int) ((long) n * c / chunks), hi = (int) ((long) n * (c + 1) / chunks);
                for (int i = lo; i < hi; i++) body.accept(i);
            }
        };
        List<Future<?>> fs = new ArrayList<>(threads - 1);
        for (int t = 0; t < threads - 1; t++) fs.add(pool.submit(worker));
        worker.run();
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a kernel", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /**
     * Runs an independent job on the pool (on the caller when single-threaded). Used to hash trace entries
     * while later nodes run; the caller joins in submission order, so results do not depend on timing.
     */
    public <T> java.util.concurrent.CompletableFuture<T> submit(java.util.function.Supplier<T> job) {
        if (pool == null) return java.util.concurrent.CompletableFuture.completedFuture(job.get());
        return java.util.concurrent.CompletableFuture.supplyAsync(job, pool);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
