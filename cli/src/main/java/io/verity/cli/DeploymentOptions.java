package io.verity.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which contracts: {@code --deployment} (default: the one {@code verity up} wrote) and an optional {@code --rpc} override. */
final class DeploymentOptions {
    @Option(names = "--deployment", description = "contract addresses and RPC (JSON); default: the one `verity up` wrote")
    Path deployment;

    @Option(names = "--rpc", description = "EVM JSON-RPC URL, overriding the deployment's")
    String rpc;

    /** {@code --deployment}, else the default home's; a usage error when that file is missing. */
    Path existing() {
        return Homes.existingDeployment(deployment);
    }
}
