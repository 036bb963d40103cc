package io.verity.cli;

import io.verity.node.hub.HubException;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelFetcher;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.Keccak256;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verity model add|list|show|rm|fetch}: the local model hub ({@code <home>/models}, home from
 * {@code --home}, else $VERITY_HOME, else ~/.verity).
 *
 * <p>Exit codes: 0 success; 1 not found or refused (unknown reference, name@version taken, digest mismatch,
 * a node that answered with an error, a disk failure); 2 usage error or bad input (malformed name or
 * digest, a file that is not ONNX); 3 the node could not be reached. Errors are one line on stderr.
 */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description = "Manage the local model hub: content-addressed ONNX models with manifests.",
        subcommands = {
            ModelCommand.Add.class,
            ModelCommand.ListModels.class,
            ModelCommand.Show.class,
            ModelCommand.Remove.class,
            ModelCommand.Fetch.class,
            ModelRuleCommand.class
        })
public final class ModelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The --home option every subcommand takes. */
    static final class Home {
        @Option(names = "--home", paramLabel = "DIR",
                description = "Verity home directory (default: $VERITY_HOME, else ~/.verity);"
                        + " models live in DIR/models.")
        Path home;

        ModelHub hub() {
            Path root = home != null
                    ? home.resolve("models")
                    : ModelHub.verityHome(System.getenv("VERITY_HOME")).resolve("models");
            return new ModelHub(root);
        }
    }

    /** Runs a subcommand body, turning the hub's exceptions into one-line messages and exit codes. */
    abstract static class HubCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Home home;

        /** The subcommand's body: prints to {@link #out()} (flushed after it returns) and gives the exit code. */
        abstract int execute(ModelHub hub);

        @Override
        public final Integer call() {
            try {
                int code = execute(home.hub());
                out().flush();
                return code;
            } catch (HubException e) {
                return fail(switch (e) {
                    case HubException.NotFound x -> 1;
                    case HubException.Ambiguous x -> 1;
                    case HubException.Conflict x -> 1;
                    case HubException.DigestMismatch x -> 1;
                    case HubException.FetchFailed x -> 1;
                    case HubException.InvalidModel x -> 2;
                    case HubException.NodeUnavailable x -> 3;
                }, e.getMessage());
            } catch (IllegalArgumentException e) {
                return fail(2, e.getMessage());
            } catch (UncheckedIOException | IllegalStateException e) {
                return fail(1, e.getMessage());
            }
        }

        int fail(int code, String message) {
            spec.commandLine().getErr().println("verity model " + spec.name() + ": " + message);
            spec.commandLine().getErr().flush();
            return code;
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    /** A subcommand about one model of the hub, named by its one parameter. */
    abstract static class RefCommand extends HubCommand {
        @Parameters(index = "0", paramLabel = "REF",
                description = "0x digest, digest prefix (>= 8 hex), name (latest version) or name@version")
        String ref;
    }

    // No mixinStandardHelpOptions here: its -V/--version would clash with the model's --version.
    @Command(name = "add", description = "Store an ONNX file in the hub.")
    static final class Add extends HubCommand {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Parameters(index = "0", paramLabel = "FILE", description = "the .onnx file")
        Path file;

        @Option(names = "--name", required = true, description = "model name, e.g. silero-vad")
        String name;

        @Option(names = "--version", required = true, description = "model version, e.g. 5.1.2")
        String version;

        @Option(names = "--license", description = "licence, e.g. MIT")
        String license;

        @Option(names = "--source", paramLabel = "URL", description = "where the model comes from")
        String source;

        @Option(names = "--engine", paramLabel = "det|onnxruntime", description = "serve this model on this engine"
                + " instead of the node's --engine; det refuses a model it cannot run, naming what it lacks")
        String engine;

        @Override
        int execute(ModelHub hub) {
            Manifest m = hub.add(file, name, version, license, source,
                    java.util.Optional.ofNullable(engine).map(io.verity.engine.EngineKind::parse));
            out().println("stored " + m.ref() + " " + m.digest() + " (" + megabytes(m.sizeBytes()) + ")"
                    + m.engine().map(e -> " on engine " + e).orElse(""));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the models in the hub.")
    static final class ListModels extends HubCommand {
        @Override
        int execute(ModelHub hub) {
            List<Manifest> models = hub.list();
            if (models.isEmpty()) {
                out().println("no models in " + hub.root());
            } else {
                int nameWidth = Math.max(4, models.stream().mapToInt(m -> m.name().length()).max().orElse(0));
                int versionWidth = Math.max(7, models.stream().mapToInt(m -> m.version().length()).max().orElse(0));
                String row = "%-" + nameWidth + "s  %-" + versionWidth + "s  %-18s  %9s  %-20s  %s%n";
                out().printf(Locale.ROOT, row, "NAME", "VERSION", "DIGEST", "SIZE", "ADDED", "ENGINE");
                for (Manifest m : models) {
                    out().printf(Locale.ROOT, row, m.name(), m.version(), m.digest().toHex().substring(0, 18),
                            megabytes(m.sizeBytes()), m.addedAt().truncatedTo(ChronoUnit.SECONDS),
                            m.engine().map(io.verity.engine.EngineKind::wireName).orElse("(node's)"));
                }
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print a model's manifest as JSON.")
    static final class Show extends RefCommand {
        @Override
        int execute(ModelHub hub) {
            out().println(hub.show(ref).toJson());
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a model from the hub.")
    static final class Remove extends RefCommand {
        @Override
        int execute(ModelHub hub) {
            Manifest m = hub.remove(ref);
            out().println("removed " + m.ref() + " " + m.digest());
            return 0;
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download a model from another node, check its digest and store it.")
    static final class Fetch extends HubCommand {
        @Option(names = "--node", required = true, paramLabel = "URL",
                description = "the node, e.g. http://10.0.0.5:8080")
        String node;

        @Parameters(index = "0", paramLabel = "DIGEST", description = "the model's 0x keccak256 digest (64 hex digits)")
        String digest;

        @Override
        int execute(ModelHub hub) {
            Keccak256 d = Keccak256.parse(digest);
            URI uri = nodeUri(node);
            // Progress goes to stderr so stdout stays the one-line result; redraw only on a terminal.
            PrintStream progress = new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true,
                    StandardCharsets.UTF_8);
            try (ModelFetcher fetcher = new ModelFetcher(hub, progress, onTerminal())) {
                Manifest m = fetcher.fetch(uri, d);
                out().println("fetched " + m.ref() + " " + m.digest() + " (" + megabytes(m.sizeBytes()) + ")");
                return 0;
            }
        }
    }

    /**
     * Since JDK 22 System.console() is non-null even when output is redirected; Console.isTerminal() (22+)
     * tells the truth, and is called reflectively because we compile for 21.
     */
    static boolean onTerminal() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: a console exists only on a terminal
        }
    }

    static URI nodeUri(String node) {
        try {
            URI uri = new URI(node);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("--node must be an http(s)://host[:port] URL, got '" + node + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--node must be an http(s)://host[:port] URL, got '" + node + "'", e);
        }
    }

    static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }

    /** Lets the fetcher's PrintStream write through picocli's (redirectable) error writer. */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final PrintWriter writer;

        WriterOutputStream(PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            writer.write(b & 0xff); // progress text is ASCII
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writer.write(new String(b, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void flush() {
            writer.flush();
        }
    }
}
