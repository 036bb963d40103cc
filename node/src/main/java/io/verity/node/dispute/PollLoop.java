package io.verity.node.dispute;

import io.verity.chain.ChainException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The polling thread of every dispute duty: one tick per {@code poll} until closed. A chain that is down or busy
 * (ChainException, IllegalStateException) only skips a round; any other failure is logged and the loop goes on.
 */
final class PollLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);

    private final Thread thread;
    private volatile boolean closed;

    PollLoop(String name, Duration poll, Runnable tick) {
        this.thread = Thread.ofVirtual().name(name).start(() -> run(name, poll, tick));
    }

    private void run(String name, Duration poll, Runnable tick) {
        while (!closed) {
            try {
                tick.run();
            } catch (ChainException | IllegalStateException e) {
                LOG.debug("{}: {}", name, e.toString()); // try again next tick
            } catch (RuntimeException e) {
                LOG.warn("{} failed a round", name, e);
            }
            try {
                Thread.sleep(poll);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        thread.interrupt();
    }
}
