package io.verity.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Config files (docs/operators.md) for tests: the same settings as a server main's {@code --flag value} pairs. */
public final class ConfigFiles {
    private ConfigFiles() {}

    /** Writes {@code flags} as {@code key = value} lines (a repeated flag as repeated lines) to {@code file}. */
    public static Path write(Path file, String... flags) throws IOException {
        StringBuilder text = new StringBuilder("# written by a test from the equivalent flags\n");
        for (int i = 0; i < flags.length; i += 2) text.append(flags[i].substring(2)).append(" = ").append(flags[i + 1]).append('\n');
        return Files.writeString(file, text);
    }
}
