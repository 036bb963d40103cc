package io.verity.cli;

import io.verity.node.hub.ModelHub;
import java.nio.file.Path;

/** Where Verity keeps state: --home, else $VERITY_HOME, else ~/.verity. */
final class Homes {
    private Homes() {}

    static Path resolve(Path option) {
        if (option != null) return option.toAbsolutePath();
        return ModelHub.verityHome(System.getenv("VERITY_HOME")).toAbsolutePath();
    }
}
