package io.verity.cli;

import io.verity.node.hub.ModelHub;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where Verity keeps state: --home, else $VERITY_HOME, else ~/.verity. */
public final class Homes {
    private Homes() {}

    public static Path resolve(Path option) {
        if (option != null) return option.toAbsolutePath();
        return ModelHub.verityHome(System.getenv("VERITY_HOME")).toAbsolutePath();
    }

    /** The deployment {@code verity up} keeps in a home. */
    public static Path deploymentIn(Path home) {
        return home.resolve("devnet/deployment.json");
    }

    /** {@code --deployment} when given, else the default home's; a usage error when that file is missing. */
    static Path existingDeployment(Path option) {
        Path file = option != null ? option : deploymentIn(resolve(null));
        if (!Files.isRegularFile(file)) {
            throw new TensorFiles.UsageError("no deployment file at " + file + "; give --deployment (verity up writes one)");
        }
        return file;
    }
}
