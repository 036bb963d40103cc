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
    ConfigFileOption configFile = new ConfigFileOption();

    @Mixin
    ListenOptions listen;

    private final String service;

    ServiceOptions(String service, int defaultPort) {
        this.service = service;
        this.listen = new ListenOptions(defaultPort);
    }

    /**
     * Adds {@code --home} and {@code --deployment}: typed when given (a deployment must exist), else the defaults
     * below a config file: the service's directory in the Verity home and the deployment {@code verity up} wrote, if any.
     */
    void addHomeAndDeployment(java.util.List<String> typed, java.util.List<String> defaults) {
        Flags.add(home != null ? typed : defaults, "--home", home());
        if (chain.deployment != null) {
            Flags.add(typed, "--deployment", chain.existing().toAbsolutePath());
        } else if (java.nio.file.Files.isRegularFile(Homes.deploymentIn(Homes.resolve(null)))) {
            Flags.add(defaults, "--deployment", Homes.deploymentIn(Homes.resolve(null)));
        }
    }

    /** {@code --home}, else the service's directory in the default Verity home. */
    Path home() {
        return home != null ? home : Homes.resolve(null).resolve(service);
    }
}
