package io.verity.cli;

import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What a service of the network (gateway, explorer) is started with: its state directory, by default named after
 * the service in the Verity home; the deployment it serves; where it listens.
 */
final class ServiceOptions {
    @Option(names = "--home", description = "the service's state (gateway: evidence log, explorer: index);"
            + " default $VERITY_HOME/SERVICE or ~/.verity/SERVICE")
    Path home;

    @Mixin
    DeploymentOptions chain = new DeploymentOptions();

    @Mixin
    ListenOptions listen;

    private final String service;

    ServiceOptions(String service, int defaultPort) {
        this.service = service;
        this.listen = new ListenOptions(defaultPort);
    }

    /** {@code --home}, else the service's directory in the default Verity home. */
    Path home() {
        return home != null ? home : Homes.resolve(null).resolve(service);
    }
}
