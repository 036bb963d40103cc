package io.verity.chain.devnet;

import io.verity.chain.ChainAccount;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A local chain's process (anvil, a Hardhat node) with its output read for the process's whole life, so that its
 * pipe never fills up: each line goes to the chain's {@link Banner}, which picks out its funded keys and the sign
 * that it is ready, and the last lines are kept for the message when the chain does not start.
 */
public final class ChainProcess {
    private static final int KEPT_LINES = 40;

    private final Process process;
    private final Deque<String> last = new ArrayDeque<>();

    private ChainProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts {@code command} (its standard error merged into its output) and reads the output on a virtual thread
     * named after {@code executable}, each line into {@code banner}; when the output ends before the banner said
     * the chain is ready, its {@link Banner#ready()} fails ("anvil exited").
     *
     * @throws UncheckedIOException when the process cannot be started
     */
    public static ChainProcess start(ProcessBuilder command, Path executable, Banner<?> banner) {
        Process p;
        try {
            p = command.redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        ChainProcess c = new ChainProcess(p);
        Thread.ofVirtual().name(executable.getFileName() + "-output").start(() -> c.drain(banner,
                () -> banner.ready.completeExceptionally(new IllegalStateException(executable.getFileName() + " exited"))));
        return c;
    }

    public Process process() {
        return process;
    }

    /** The last lines the process printed, oldest first. */
    public List<String> lastOutput() {
        synchronized (last) {
            return List.copyOf(last);
        }
    }

    private void drain(Consumer<String> onLine, Runnable onExit) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (last) {
                    last.addLast(line);
                    if (last.size() > KEPT_LINES) last.removeFirst();
                }
                onLine.accept(line);
            }
        } catch (IOException e) {
            // the process ended; fall through
        }
        onExit.run();
    }

    /**
     * What a chain prints as it starts: the funded keys it lists and the sign that it is ready (e.g. the port it
     * listens on); each chain's reader finds them in its own lines and reports them here.
     *
     * @param <T> what the ready line tells
     */
    public abstract static class Banner<T> implements Consumer<String> {
        private final CompletableFuture<T> ready = new CompletableFuture<>();
        private final List<ChainAccount> keys = new ArrayList<>(); // guarded by itself

        /** Reports a funded account's private key (0x-hex). */
        protected final void key(String privateKeyHex) {
            synchronized (keys) {
                keys.add(ChainAccount.fromPrivateKey(privateKeyHex));
            }
        }

        /** Reports that the chain is ready. */
        protected final void ready(T value) {
            ready.complete(value);
        }

        /** Completes when the chain is ready; fails when it exits first. */
        public final CompletableFuture<T> ready() {
            return ready;
        }

        /** The funded accounts reported so far, in order. */
        public final List<ChainAccount> keys() {
            synchronized (keys) {
                return List.copyOf(keys);
            }
        }
    }
}
