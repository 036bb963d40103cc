package io.verity.chain;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Reads of chain state kept off the request path, as the node's payment channels and the gateway's payer make
 * them: a frozen chain hangs an RPC call until its HTTP timeout, so reads run on one background thread, one per
 * key at a time, and a caller that asks while its key's read is under way joins that read. Callers wait a bounded
 * time ({@link Read#await}) and decide for themselves what to do without an answer; the read completes in the
 * background either way.
 *
 * @param <K> what is read (a client's funds, a kind of read)
 * @param <V> what a read returns
 */
public final class ChainReads<K, V> implements AutoCloseable {
    private final Map<K, Read<V>> reading = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor thread;

    /**
     * @param threadName the reading thread's name
     * @param maxQueued  reads that may wait for the thread; one more fails at once ({@link RejectedExecutionException})
     */
    public ChainReads(String threadName, int maxQueued) {
        // one thread: the connection behind a read serialises its calls anyway
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(maxQueued),
                Thread.ofPlatform().name(threadName).daemon().factory());
    }

    /**
     * The read of {@code key} under way, else one started now; it completes with what {@code read} returns or
     * throws, or with {@link RejectedExecutionException} when the queue is full or this is closed.
     */
    public Read<V> start(K key, Function<? super K, ? extends V> read) {
        Read<V> r = reading.computeIfAbsent(key, k -> {
            CompletableFuture<V> f = new CompletableFuture<>();
            try {
                thread.execute(() -> {
                    try {
                        f.complete(read.apply(k));
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                f.completeExceptionally(e);
            }
            return new Read<>(f, System.nanoTime());
        });
        // registered outside computeIfAbsent: a read refused at once completes inside it, and the map forbids the removal there
        r.result().whenComplete((v, e) -> reading.remove(key, r));
        return r;
    }

    /** Stops the reading thread; reads under way are interrupted and later ones refused. */
    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** One read, with when it started ({@link System#nanoTime()}). */
    public record Read<V>(CompletableFuture<V> result, long startedNanos) {
        /**
         * The read's value, waited for at most {@code wait}.
         *
         * @throws RuntimeException what the read threw, or an IllegalStateException when the chain did not answer
         *     within {@code wait} or the wait was interrupted (the interrupt flag set again)
         */
        public V await(Duration wait) {
            return await(wait.toNanos(), wait);
        }

        /**
         * As {@link #await}, but {@code budget} counts from when the read started: a read older than the budget is
         * one the chain is not answering, and a caller that joins it does not wait at all.
         */
        public V awaitWithin(Duration budget) {
            return await(Math.max(budget.toNanos() - (System.nanoTime() - startedNanos), 0), budget);
        }

        private V await(long nanos, Duration named) {
            try {
                return result.get(nanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("the chain did not answer within " + named.toMillis() + " ms");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the chain", e);
            }
        }
    }
}
