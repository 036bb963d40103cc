package io.verity.testing;

import io.verity.protocol.wire.ReadyLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Separate hosts on one Linux machine: each {@link Host} a network namespace of its own, with one interface
 * ({@code eth0}) plugged into a bridge that lives in a namespace of its own too (the switch), and an address
 * in a private /24 that exists only inside these namespaces. A process started on a host ({@link Host#start})
 * sees only that interface and its own loopback: it reaches the others only at their addresses on the bridge.
 * The test's JVM is one more host on the bridge (its veth in the root namespace holds {@code .1}), so it
 * reaches the hosts as a client on the same LAN would. {@link #cut} unplugs a host's cable (its port on the
 * switch goes down: packets are dropped, no connection is refused) and {@link #restore} plugs it back.
 *
 * <p>Needs root and iproute2's {@code ip} ({@link #unavailable()} says why not). Names carry this JVM's pid
 * ({@code vty<pid>n<k>-...}), so parallel forks never collide; namespaces left by a JVM that died (its pid
 * gone) are removed, with their processes, by the next {@link #create}. {@link #close} (and a shutdown hook,
 * when nobody closes) kills every process in the namespaces and deletes them; the root-side veth goes with
 * the switch.
 */
public final class NetNamespaces implements AutoCloseable {
    private static final String PREFIX = "vty";
    private static final Pattern OURS = Pattern.compile("^" + PREFIX + "(\\d+)n\\d+-");
    private static final Path IP = Path.of("/usr/sbin/ip").toFile().canExecute() ? Path.of("/usr/sbin/ip") : Path.of("/bin/ip");
    /** Subnets 10.231.0.0/24 .. 10.231.255.0/24; one per instance, chosen free in the root namespace under a lock. */
    private static final String RANGE = "10.231.";
    private static final Path LOCK = Path.of("/tmp/verity-netns.lock");
    private static final Set<String> OWN = new HashSet<>();
    private static int instances;

    private final String base;
    private final String subnet;
    private final String switchNs;
    private final String rootVeth;
    private final List<Host> hosts = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::teardown, "netns-teardown");
    private boolean closed;

    /** A host: its namespace, its address on the bridge, and its port on the switch. */
    public record Host(String name, String namespace, String address, String switchPort) {
        /** {@code ip netns exec NAMESPACE}, to put in front of a command line. */
        public List<String> exec() {
            return List.of(IP.toString(), "netns", "exec", namespace);
        }

        public URI url(int port) {
            return URI.create("http://" + address + ":" + port);
        }

        /** Runs {@code command} on this host to its end; its exit code (-1 when killed after {@code timeout}). */
        public int run(Duration timeout, String... command) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(exec());
            cmd.addAll(List.of(command));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) return p.exitValue();
            p.destroyForcibly().waitFor();
            return -1;
        }

        /**
         * Starts {@code command} in this host's namespace with this process's environment changed by {@code env},
         * its stdout and stderr appended to {@code log}, and returns once it printed its READY line
         * ({@link ReadyLine}); kills it and throws with the log's path when it exits or stays silent.
         */
        public Started start(List<String> command, Map<String, String> env, Path log, Duration timeout) throws IOException {
            List<String> cmd = new ArrayList<>(exec());
            cmd.addAll(command);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            CompletableFuture<ReadyLine> ready = new CompletableFuture<>();
            // a pipe read for the process's whole life (so it never blocks on a full pipe), copied to the log
            Thread.ofVirtual().name("out-" + name).start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                     OutputStream out = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    for (String line; (line = in.readLine()) != null; ) {
                        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        if (!ready.isDone()) ReadyLine.parse(line).ifPresent(ready::complete);
                    }
                } catch (IOException | RuntimeException e) {
                    ready.completeExceptionally(e);
                }
                ready.completeExceptionally(new IllegalStateException("exited before its READY line"));
            });
            try {
                return new Started(this, p, ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                p.destroyForcibly();
                throw new IllegalStateException("the process on host " + name + " was not ready within " + timeout
                        + " (" + e.getMessage() + "); see " + log, e);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting a process on " + name, e);
            }
        }

        /**
         * {@code java [the test JVM's flags] -cp [its classpath] MAIN args} on this host: the way the mains run as
         * services, each host its own JVM. Agents are left out (a coverage agent would overwrite our report).
         */
        public Started startJava(String mainClass, List<String> args, Map<String, String> env, Path log, Duration timeout)
                throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (flag.startsWith("-javaagent") || flag.startsWith("-agentlib") || flag.startsWith("-agentpath")
                        || flag.startsWith("-Xmx")) continue;
                cmd.add(flag);
            }
            // C1 only: a test's short-lived services spend more CPU on C2 compiling than it would save them
            cmd.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), mainClass));
            cmd.addAll(args);
            return start(cmd, env, log, timeout);
        }
    }

    /** A process running on a host, once it printed its READY line. */
    public record Started(Host host, Process process, ReadyLine ready) {}

    private NetNamespaces(String base, String subnet) {
        this.base = base;
        this.subnet = subnet;
        this.switchNs = base + "-sw";
        this.rootVeth = base;
    }

    /** Why namespaces cannot be made here (not root, no {@code ip}), or empty when they can. */
    public static Optional<String> unavailable() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return Optional.of("network namespaces are Linux only");
        }
        if (!Files.isExecutable(IP)) return Optional.of("iproute2's ip is not installed (apt-get install iproute2)");
        try {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0 || !uid.equals("0")) return Optional.of("creating network namespaces needs root (uid " + uid + ")");
        } catch (IOException e) {
            return Optional.of("cannot run id -u: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
        return Optional.empty();
    }

    /** Removes stale namespaces, then makes the switch and the root's port on it in a free subnet. */
    public static synchronized NetNamespaces create() {
        removeStale();
        String base = PREFIX + ProcessHandle.current().pid() + "n" + (++instances);
        // the subnet must be free in the root namespace, also against a parallel fork choosing at the same time
        try (FileChannel ch = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            String used = ip("-4", "-o", "addr", "show") + ip("-4", "route", "show");
            String subnet = null;
            for (int i = 0; i < 256 && subnet == null; i++) if (!used.contains(RANGE + i + ".")) subnet = RANGE + i + ".";
            if (subnet == null) throw new IllegalStateException("no free /24 in " + RANGE + "0.0/16");
            NetNamespaces net = new NetNamespaces(base, subnet);
            Runtime.getRuntime().addShutdownHook(net.shutdownHook);
            try {
                net.makeSwitch();
            } catch (RuntimeException e) {
                net.close();
                throw e;
            }
            return net;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + LOCK, e);
        }
    }

    private void makeSwitch() {
        namespace(switchNs);
        ip("-n", switchNs, "link", "add", "br0", "type", "bridge");
        ip("-n", switchNs, "link", "set", "br0", "up");
        ip("link", "add", rootVeth, "type", "veth", "peer", "name", "p0", "netns", switchNs);
        ip("-n", switchNs, "link", "set", "p0", "master", "br0", "up");
        ip("addr", "add", subnet + "1/24", "dev", rootVeth);
        ip("link", "set", rootVeth, "up");
    }

    private static void namespace(String name) {
        ip("netns", "add", name);
        synchronized (OWN) {
            OWN.add(name);
        }
        ip("-n", name, "link", "set", "lo", "up");
    }

    /** A new host on the switch, at the next address of the subnet (.10, .11, ...). */
    public synchronized Host host(String name) {
        if (closed) throw new IllegalStateException("closed");
        if (!name.matches("[a-z0-9]{1,12}")) throw new IllegalArgumentException("host name must be [a-z0-9]{1,12}, got " + name);
        int index = hosts.size() + 1;
        Host h = new Host(name, base + "-" + name, subnet + (9 + index), "p" + index);
        namespace(h.namespace());
        hosts.add(h); // before the links, so close() deletes it whatever fails below
        ip("-n", switchNs, "link", "add", h.switchPort(), "type", "veth", "peer", "name", "eth0", "netns", h.namespace());
        ip("-n", switchNs, "link", "set", h.switchPort(), "master", "br0", "up");
        ip("-n", h.namespace(), "addr", "add", h.address() + "/24", "dev", "eth0");
        ip("-n", h.namespace(), "link", "set", "eth0", "up");
        return h;
    }

    /** The test JVM's own address on the bridge. */
    public String rootAddress() {
        return subnet + "1";
    }

    /** Unplugs {@code host}: its port on the switch goes down, and every packet to or from it is lost. */
    public void cut(Host host) {
        ip("-n", switchNs, "link", "set", host.switchPort(), "down");
    }

    /**
     * Plugs {@code host} back in. The ARP entries that failed while it was cut are flushed (its own, and the
     * others' for its address): a failed entry would answer "host unreachable" for a while after the cable is back.
     */
    public synchronized void restore(Host host) {
        ip("-n", switchNs, "link", "set", host.switchPort(), "up");
        ip("-n", host.namespace(), "neigh", "flush", "dev", "eth0");
        ip("neigh", "flush", "to", host.address(), "dev", rootVeth);
        for (Host other : hosts) if (!other.equals(host)) ip("-n", other.namespace(), "neigh", "flush", "to", host.address(), "dev", "eth0");
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook tears down
        }
        teardown();
    }

    /** Deletes every namespace of this instance; {@link #remove} never throws, so a hook can run it too. */
    private synchronized void teardown() {
        if (closed) return;
        closed = true;
        List<String> all = new ArrayList<>(hosts.stream().map(Host::namespace).toList());
        all.add(switchNs); // last: deleting it removes the root's veth with it
        for (String ns : all) remove(ns);
    }

    /** Kills what runs in namespace {@code ns} (a namespace outlives its deletion while a process holds it), then deletes it. */
    private static void remove(String ns) {
        try {
            for (String pid : ip("netns", "pids", ns).split("\\s+")) {
                if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
                    p.destroyForcibly();
                    p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> p).join();
                });
            }
        } catch (RuntimeException gone) {
            // no such namespace any more: nothing runs in it
        }
        try {
            ip("netns", "del", ns);
        } catch (RuntimeException gone) {
            // already deleted
        }
        synchronized (OWN) {
            OWN.remove(ns);
        }
    }

    /** Namespaces of ours whose JVM is gone (a crashed run), or of an earlier JVM that had this pid. */
    private static void removeStale() {
        long self = ProcessHandle.current().pid();
        for (String line : ip("netns", "list").split("\n")) {
            String ns = line.strip().split("\\s+")[0];
            Matcher m = OURS.matcher(ns);
            if (!m.find()) continue;
            long pid = Long.parseLong(m.group(1));
            boolean mine;
            synchronized (OWN) {
                mine = OWN.contains(ns);
            }
            if (mine || (pid != self && ProcessHandle.of(pid).isPresent())) continue;
            remove(ns);
        }
    }

    /** Runs {@code ip args}; its stdout, or an exception with its stderr when it fails. */
    private static String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of(IP.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 30 s");
            }
            if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out.strip());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }
}
