package io.verity.cli;

import io.verity.chain.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the contracts are: a deployment file (default: the one {@code verity up} keeps in the home), optional RPC override. */
public final class ChainOptions {
    @Mixin
    DeploymentOptions where = new DeploymentOptions();

    @Mixin
    HomeOption home = new HomeOption(); // for the default deployment

    public Path file() {
        return where.deployment != null ? where.deployment : Homes.deploymentIn(home.dir());
    }

    /** The deployment, or empty when none was given and the home has none. */
    public Optional<Deployment> find() {
        Path file = file();
        if (where.deployment == null && !Files.exists(file)) return Optional.empty();
        Deployment d;
        try {
            d = Deployment.read(file);
        } catch (RuntimeException e) {
            throw new TensorFiles.UsageError("cannot read the deployment " + file + ": " + e.getMessage());
        }
        return Optional.of(where.rpc == null ? d : d.withRpcUrl(where.rpc));
    }

    /** The deployment; a usage error naming the file when there is none. */
    public Deployment required() {
        return find().orElseThrow(() -> new TensorFiles.UsageError("no deployment at " + file() + "; give --deployment"));
    }

    /** The home directory (for the node key and models), absolute. */
    public Path homeDir() {
        return home.dir();
    }
}
