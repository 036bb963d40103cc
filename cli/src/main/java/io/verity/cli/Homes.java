package io.verity.cli;

import java.nio.file.Path;

/** Where Verity keeps state: --home, else $VERITY_HOME, else ~/.verity. */
final class Homes {
    private Homes() {}

    static Path resolve(Path option) {
        if (option != null) return option.toAbsolutePath();
        String env = System.getenv("VERITY_HOME");
        if (env != null && !env.isBlank()) return Path.of(env).toAbsolutePath();
        return Path.of(System.getProperty("user.home"), ".verity");
    }
}
