package io.verity.cli.up;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * HOME/network.json: what a running {@code verity up} started, so {@code verity down}, a second
 * {@code verity up} and {@code up --detach}'s parent can find it. Every process is recorded with its start
 * time as well as its pid, so a recycled pid is never mistaken for ours.
 *
 * @param state {@code starting}, {@code ready} (the network serves and the demo passed) or {@code stopping}
 * @param demo {@code passed}, {@code failed} or {@code pending}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetworkFile(Proc supervisor, String state, String demo, String gateway, List<Component> components) {
    public static final String NAME = "network.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A process: pid and start time (ISO-8601), as {@link ProcessHandle.Info#startInstant()} reports it. */
    public record Proc(long pid, String started) {
        public static Proc of(ProcessHandle p) {
            return new Proc(p.pid(), p.info().startInstant().map(Instant::toString).orElse(null));
        }

        /** The live process this record names, or empty when it is gone or its pid now belongs to another. */
        public Optional<ProcessHandle> handle() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> {
                if (started == null) return true;
                Optional<Instant> actual = p.info().startInstant();
                // both sides read /proc's tick-resolution start time; a second of slack covers rounding
                return actual.isEmpty() || Duration.between(Instant.parse(started), actual.get()).abs().toMillis() < 1000;
            });
        }

        public boolean alive() {
            return handle().isPresent();
        }
    }

    /**
     * One component.
     *
     * @param name {@code chain}, {@code node-1}..{@code node-3} or {@code gateway}
     * @param address its chain account (nodes: the key it signs with; gateway: the client account it pays from)
     * @param log its log file, or null for anvil, whose output the supervisor keeps
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Component(String name, String address, String url, Proc proc, String log) {
        public Component {
            Objects.requireNonNull(name, "name");
        }
    }

    public NetworkFile {
        components = List.copyOf(components);
    }

    NetworkFile with(String newState, String newDemo) {
        return new NetworkFile(supervisor, newState, newDemo, gateway, components);
    }

    public static Optional<NetworkFile> read(Path home) {
        Path file = home.resolve(NAME);
        try {
            return Files.exists(file) ? Optional.of(JSON.readValue(file.toFile(), NetworkFile.class)) : Optional.empty();
        } catch (IOException e) {
            // half-written by a supervisor killed mid-write, or edited by hand: treat as stale
            return Optional.empty();
        }
    }

    /** Written to a temp file and moved into place, so a reader never sees half of it. */
    public void write(Path home) throws IOException {
        Files.createDirectories(home);
        Path tmp = home.resolve(NAME + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        Files.move(tmp, home.resolve(NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void delete(Path home) {
        try {
            Files.deleteIfExists(home.resolve(NAME));
        } catch (IOException ignored) {
            // a leftover file is recognised as stale by its dead pids
        }
    }

    /** Every recorded process, supervisor first, then in the order they are stopped: gateway, nodes, chain. */
    public List<Proc> processes() {
        List<Proc> all = new ArrayList<>();
        if (supervisor != null) all.add(supervisor);
        for (String prefix : List.of("explorer", "gateway", "node", "chain")) {
            for (Component c : components) if (c.name().startsWith(prefix) && c.proc() != null) all.add(c.proc());
        }
        return all;
    }

    public boolean anyAlive() {
        return processes().stream().anyMatch(Proc::alive);
    }

    /** The table {@code verity up} prints: component, address, URL, pid, log. */
    void printTable(PrintStream out) {
        out.printf("  %-9s %-42s %-24s %-8s %s%n", "component", "address", "url", "pid", "log");
        for (Component c : components) {
            out.printf("  %-9s %-42s %-24s %-8s %s%n", c.name(), c.address() == null ? "-" : c.address(),
                    c.url() == null ? "-" : c.url(), c.proc() == null ? "-" : Long.toString(c.proc().pid()),
                    c.log() == null ? "-" : c.log());
        }
        if (supervisor != null) out.printf("  %-9s %-42s %-24s %s%n", "up", "(supervisor)", "-", supervisor.pid());
    }
}
