package io.verity.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --home}: the Verity home the commands that work on a local network share (state, keys, the deployment). */
public final class HomeOption {
    @Option(names = "--home", description = "Verity home (state directory); default $VERITY_HOME or ~/.verity")
    Path home;

    /** {@code --home}, else $VERITY_HOME, else ~/.verity; absolute. */
    public Path dir() {
        return Homes.resolve(home);
    }
}
