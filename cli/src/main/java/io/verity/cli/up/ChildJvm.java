package io.verity.cli.up;

import io.verity.protocol.wire.ReadyLine;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One component of a local network running in its own JVM: same java binary, classpath and JVM flags as
 * this process, its stdout and stderr appended to a log file. The child is put in a session of its own
 * ({@code setsid}) so a Ctrl-C in the terminal reaches only the supervisor, which stops the children in
 * order; output goes to a file rather than a pipe so a child outlives a killed supervisor without losing its
 * log (and {@code verity down} can still find and stop it).
 */
public final class ChildJvm {
    /** The child exited or stayed silent; the message carries the tail of its log. */
    static final class StartFailure extends IOException {
        StartFailure(String message) {
            super(message);
        }
    }

    private final String name;
    private final Process process;
    private final Path log;
    private final long logOffset;
    private final Instant started;

    private ChildJvm(String name, Process process, Path log, long logOffset) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.logOffset = logOffset;
        this.started = process.info().startInstant().orElse(Instant.now());
    }

    /**
     * Starts {@code mainClass args} in a new JVM, with this environment changed by {@code env} (a null value
     * removes the variable). The log is appended to, with a header line, so earlier runs
     * stay readable; READY is looked for only after that header.
     */
    static ChildJvm start(String name, String mainClass, List<String> args, Map<String, String> env, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        Files.writeString(log, "=== " + name + " starting at " + Instant.now() + " ===\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long offset = Files.size(log);
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(detached(cmd))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        env.forEach((k, v) -> {
            if (v == null) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        return new ChildJvm(name, pb.start(), log, offset);
    }

    private static final String VECTOR = "jdk.incubator.vector";
    /**
     * JVM flags for the children only, split on whitespace and put after this JVM's own: a test that runs {@code up}
     * in its own JVM gives its short-lived children C1 alone ({@code -XX:TieredStopAtLevel=1}) without slowing itself.
     */
    static final String CHILD_OPTS_ENV = "VERITY_CHILD_JAVA_OPTS";

    /**
     * {@code java [this JVM's flags] [VERITY_CHILD_JAVA_OPTS] -cp [this classpath]}: the launcher's flags (native
     * access for ONNX Runtime, Unsafe for protobuf, VERITY_JAVA_OPTS) carry over. Agents are left out: a debugger agent
     * would clash on its port and a coverage agent would overwrite our own report.
     */
    static List<String> javaCommand() {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (flag.startsWith("-javaagent") || flag.startsWith("-agentlib") || flag.startsWith("-agentpath")) continue;
            cmd.add(flag);
        }
        // det nodes sign verity-det/3, fastest on the Vector API: given even when this JVM was started without it
        // (same bits either way); its one-line warning goes to the log, where READY is matched by whole lines
        if (ModuleLayer.boot().findModule(VECTOR).isEmpty() && ModuleFinder.ofSystem().find(VECTOR).isPresent()) {
            cmd.add("--add-modules=" + VECTOR);
        }
        String childOpts = System.getenv(CHILD_OPTS_ENV);
        if (childOpts != null && !childOpts.isBlank()) cmd.addAll(List.of(childOpts.strip().split("\\s+")));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }

    /** Prefixes {@code setsid} when the system has it, so the child gets no terminal signals of ours. */
    static List<String> detached(List<String> cmd) {
        for (String dir : List.of("/usr/bin", "/bin")) {
            Path setsid = Path.of(dir, "setsid");
            if (Files.isExecutable(setsid)) {
                List<String> out = new ArrayList<>();
                out.add(setsid.toString()); // execs in place (we are no group leader), so the pid stays the child's
                out.addAll(cmd);
                return out;
            }
        }
        return cmd;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Instant started() {
        return started;
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the child's {@code READY <url> [address]} line in its log. */
    ReadyLine awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pos = logOffset;
        StringBuilder partial = new StringBuilder();
        while (true) {
            try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                if (f.length() > pos) {
                    f.seek(pos);
                    byte[] chunk = new byte[(int) Math.min(f.length() - pos, 1 << 20)];
                    f.readFully(chunk);
                    pos += chunk.length;
                    partial.append(new String(chunk, StandardCharsets.UTF_8));
                    int nl;
                    while ((nl = partial.indexOf("\n")) >= 0) {
                        String line = partial.substring(0, nl).strip();
                        partial.delete(0, nl + 1);
                        Optional<ReadyLine> ready = ReadyLine.parse(line);
                        if (ready.isPresent()) return ready.get();
                    }
                }
            }
            if (!process.isAlive()) {
                throw new StartFailure(name + " exited with status " + process.exitValue() + " before it was ready; "
                        + "the end of " + log + ":\n" + tail(log, 25));
            }
            if (System.nanoTime() > deadline) {
                throw new StartFailure(name + " was not ready within " + timeout.toSeconds() + " s; the end of " + log
                        + ":\n" + tail(log, 25));
            }
            Thread.sleep(100);
        }
    }

    /** SIGTERM, then SIGKILL once {@code grace} has passed. Returns how it ended; harmless when already gone. */
    String stop(Duration grace) {
        return stop(process.toHandle(), grace);
    }

    static String stop(ProcessHandle p, Duration grace) {
        if (!p.isAlive()) return "already gone";
        p.destroy();
        try {
            p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return "stopped";
        } catch (java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported as killed either way; the caller re-checks liveness
            }
            return "killed after " + grace.toSeconds() + " s";
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return "killed (interrupted)";
        } catch (java.util.concurrent.ExecutionException e) {
            return "stopped";
        }
    }

    /** The last {@code lines} lines of a log, indented, for error messages. */
    static String tail(Path log, int lines) {
        try {
            if (!Files.exists(log)) return "  (no log at " + log + ")";
            Deque<String> last = new ArrayDeque<>();
            for (String l : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                last.addLast("  | " + l);
                if (last.size() > lines) last.removeFirst();
            }
            return String.join("\n", last);
        } catch (IOException | UncheckedIOException e) {
            return "  (cannot read " + log + ": " + e.getMessage() + ")";
        }
    }
}
