package io.verity.cli.up;

import io.verity.cli.HomeOption;
import io.verity.cli.Main;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Stops a network {@code verity up} started (typically with --detach): SIGTERM to the supervisor, which stops
 * gateway, nodes and chain in order; whatever is still alive after {@link #TIMEOUT} is killed. When the
 * supervisor itself is gone (it was killed), its children are stopped directly, in the same order.
 */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Stop the local network `verity up` started in this home (gateway, nodes, chain).",
                "Exit codes: 0 stopped or nothing was running, 1 a process could not be stopped."})
public final class DownCommand implements Callable<Integer> {
    /** The supervisor's own stop takes up to 10 s for the gateway, 10 s for the nodes and 15 s for anvil. */
    static final Duration TIMEOUT = Duration.ofSeconds(45);

    @Mixin
    HomeOption home = new HomeOption();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path dir = home.dir();
        Optional<NetworkFile> found = NetworkFile.read(dir);
        if (found.isEmpty()) {
            NetworkFile.delete(dir); // an unreadable leftover, if any
            out.println("nothing running (no network in " + dir + ")");
            return 0;
        }
        NetworkFile nf = found.get();
        if (!nf.anyAlive()) {
            NetworkFile.delete(dir);
            out.println("nothing running (removed a stale " + NetworkFile.NAME + " of supervisor pid " + nf.supervisor().pid() + ")");
            return 0;
        }
        // name -> live process, collected before signalling: a dead supervisor's children are re-parented,
        // and anvil is a launcher script with the real binary as its child.
        Map<String, ProcessHandle> targets = new LinkedHashMap<>();
        Optional<ProcessHandle> supervisor = nf.supervisor().handle();
        supervisor.ifPresent(s -> targets.put("up", s));
        for (String order : List.of("explorer", "gateway", "node", "chain")) { // reported in the order they are stopped
            for (NetworkFile.Component c : nf.components()) {
                if (c.name().startsWith(order) && c.proc() != null) c.proc().handle().ifPresent(h -> targets.put(c.name(), h));
            }
        }
        List<ProcessHandle> extra = new ArrayList<>();
        for (ProcessHandle h : targets.values()) h.descendants().filter(d -> !targets.containsValue(d)).forEach(extra::add);

        if (supervisor.isPresent()) {
            out.println("stopping the network in " + dir + " (supervisor pid " + supervisor.get().pid() + ") ...");
            supervisor.get().destroy();
        } else {
            out.println("the supervisor is gone; stopping its processes directly ...");
            for (String order : List.of("explorer", "gateway", "node", "chain")) {
                targets.forEach((name, h) -> {
                    if (name.startsWith(order)) h.destroy();
                });
            }
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && (targets.values().stream().anyMatch(ProcessHandle::isAlive)
                || extra.stream().anyMatch(ProcessHandle::isAlive))) {
            Thread.sleep(100);
        }
        boolean allGone = true;
        for (var e : targets.entrySet()) {
            ProcessHandle h = e.getValue();
            String how = "stopped";
            if (h.isAlive()) {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
                h.onExit().completeOnTimeout(h, 5, java.util.concurrent.TimeUnit.SECONDS).join();
                how = h.isAlive() ? "STILL RUNNING after SIGKILL" : "killed after " + TIMEOUT.toSeconds() + " s";
            }
            allGone &= !h.isAlive();
            out.printf("  %-9s pid %-8d %s%n", e.getKey(), h.pid(), how);
        }
        for (ProcessHandle h : extra) {
            if (h.isAlive()) {
                h.destroyForcibly();
                out.printf("  %-9s pid %-8d killed (%s)%n", "child", h.pid(), h.info().command().orElse("?"));
            }
        }
        NetworkFile.delete(dir);
        out.println(allGone ? "down." : "some processes could not be stopped (see above)");
        return allGone ? 0 : Main.CHECK_FAILED;
    }
}
