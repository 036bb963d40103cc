package io.verity.cli;

import java.util.List;

/** Builds the argument list of a {@code *Main.parse}, so a CLI command and its process entry point share one parser. */
public final class Flags {
    private Flags() {}

    /** Adds {@code name value} when the option was given. */
    static void add(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(value.toString());
        }
    }
}
