package io.verity.cli.up;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C and {@code kill} for the supervisor. A JVM shutdown hook cannot order a stop: every hook runs at
 * once, and {@link io.verity.chain.devnet.Devnet}'s own hook would kill anvil while the nodes are still committing
 * their last batch. So SIGINT, SIGTERM and SIGHUP run the stop first and exit afterwards, by which time the
 * devnet is closed and its hook removed. {@code sun.misc.Signal} is the JDK's (jdk.unsupported) way to do
 * this; where it is missing, the plain shutdown hook below still stops everything, just unordered.
 */
public final class Signals {
    private Signals() {}

    /** On the first termination signal, runs {@code stop} (once) on its own thread; later signals are ignored. */
    static void onTermination(Thread stop) {
        AtomicBoolean started = new AtomicBoolean();
        Runnable once = () -> {
            if (started.compareAndSet(false, true)) stop.start();
        };
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> once.run());
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError unavailable) {
                // the signal is reserved or unknown here (e.g. -Xrs): the shutdown hook covers it
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            once.run();
            try {
                stop.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "verity-up-shutdown"));
    }
}
