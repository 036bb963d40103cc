package io.verity.bench;

import java.util.concurrent.atomic.AtomicBoolean;

/** The chain watchers' loop: one round every {@code intervalMs} until {@code stop}; a failed round is retried. */
final class Polling {
    private Polling() {}

    static void until(AtomicBoolean stop, long intervalMs, Runnable round) {
        while (!stop.get()) {
            try {
                round.run();
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                System.err.println("watcher: " + e); // a failed poll is retried on the next round
            }
        }
    }
}
