package io.verity.cli;

import io.verity.http.FlagSources;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Builds the argument list of a {@code *Main.parse} from a command's own options, so a CLI command and its process
 * entry point share one parser: the command declares the flags (with help), the *Main parser owns checks and defaults.
 */
final class Flags {
    private Flags() {}

    /**
     * A server command's options through its *Main parser ({@link #parse}); {@code --home} and {@code --deployment}
     * are left to {@code homeAndDeployment}, which adds them (typed, or defaults) resolved against the Verity home.
     */
    static <C> C throughMain(CommandSpec spec, BiConsumer<List<String>, List<String>> homeAndDeployment, FlagSources sources,
            Function<String[], C> parse) {
        Set<String> resolvedHere = Set.of("--home", "--deployment");
        List<String> typed = typed(spec, resolvedHere);
        List<String> defaults = defaults(spec, resolvedHere);
        homeAndDeployment.accept(typed, defaults);
        return parse(typed, defaults, sources, parse);
    }

    /**
     * {@code --name value} for every option of {@code spec} (its mixins included) typed on the command line, each
     * element of a repeatable one, and {@code --name} alone for a set boolean; the help options and {@code except}
     * are left out.
     */
    static List<String> typed(CommandSpec spec, Set<String> except) {
        return forward(spec, except, true);
    }

    /**
     * The same for the options not typed that have a default: they go below a config file and the environment
     * ({@link #parse(List, List, FlagSources, Function)}), so a command's defaults never override them.
     */
    static List<String> defaults(CommandSpec spec, Set<String> except) {
        return forward(spec, except, false);
    }

    private static List<String> forward(CommandSpec spec, Set<String> except, boolean typed) {
        List<String> args = new ArrayList<>();
        var parsed = spec.commandLine().getParseResult();
        for (OptionSpec o : spec.options()) {
            String name = o.longestName();
            if (o.usageHelp() || o.versionHelp() || except.contains(name) || parsed.hasMatchedOption(o) != typed) continue;
            Object value = o.getValue();
            if (value instanceof Collection<?> values) {
                values.forEach(v -> add(args, name, v));
            } else if (value instanceof Boolean set) {
                if (set) args.add(name);
            } else {
                add(args, name, value);
            }
        }
        return args;
    }

    /**
     * {@code parse} (a *Main parser) over the {@code typed} flags, then the environment and {@code --config} file
     * ({@code sources}), then the command's {@code defaults}; what it rejects is a usage error, like picocli's own.
     */
    static <C> C parse(List<String> typed, List<String> defaults, FlagSources sources, Function<String[], C> parse) {
        try {
            List<String> resolved = new ArrayList<>(List.of(sources.resolve(typed.toArray(String[]::new), System::getenv, defaults)));
            resolved.addAll(List.of(FlagSources.CONFIG_FLAG, "")); // resolved: the Main must not read $VERITY_CONFIG again
            return parse.apply(resolved.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw new TensorFiles.UsageError(e.getMessage());
        }
    }

    /** Adds {@code name value} when the option was given. */
    static void add(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(value.toString());
        }
    }
}
