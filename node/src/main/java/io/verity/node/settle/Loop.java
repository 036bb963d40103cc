package io.verity.node.settle;

import java.time.Duration;

/**
 * The background thread of a settlement worker (the batcher, the voucher redeemer): it runs a body that
 * checks {@link #closed()} between rounds and waits with {@link #sleep}, which {@link #stop} cuts short.
 */
public final class Loop {
    private final Object wake = new Object();
    private final Thread thread;
    private volatile boolean closed;

    public Loop(String name, Runnable body) {
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(body);
    }

    public void start() {
        thread.start();
    }

    public boolean closed() {
        return closed;
    }

    /** Waits up to {@code millis}, or until stopped; an interrupt stops the loop. */
    public void sleep(long millis) {
        synchronized (wake) {
            if (closed) return;
            try {
                wake.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    /** Stops the loop and waits up to {@code grace} for its round in flight to end; idempotent. */
    public void stop(Duration grace) {
        synchronized (wake) {
            if (closed && !thread.isAlive()) return;
            closed = true;
            wake.notifyAll();
        }
        try {
            thread.join(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
