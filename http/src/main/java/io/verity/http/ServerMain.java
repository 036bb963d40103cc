package io.verity.http;

import io.verity.protocol.wire.ReadyLine;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The startup every server main shares (node, gateway, explorer), so their command-line contract cannot drift:
 * bad flags exit 2 with the usage; a running server prints its READY line and closes on JVM shutdown.
 */
public final class ServerMain {
    private ServerMain() {}

    /** The parsed flags, or (on {@link IllegalArgumentException}) the message and usage on stderr and exit 2. */
    public static <C> C parseOrExit(String prefix, String usage, String[] args, Function<String[], C> parse) {
        try {
            return parse.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println(prefix + ": " + e.getMessage());
            System.err.println(usage);
            System.exit(2);
            throw e; // not reached
        }
    }

    /** Registers {@code close} as a shutdown hook, prints the READY line, and blocks until the JVM shuts down. */
    public static void serveUntilTerminated(String name, Runnable close, ReadyLine readyLine) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close.run();
            stopped.countDown();
        }, name + "-shutdown"));
        System.out.println(readyLine);
        System.out.flush();
        stopped.await();
    }
}
