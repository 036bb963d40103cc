package io.verity.cli;

import io.verity.node.NodeConfig;
import io.verity.node.NodeMain;
import io.verity.node.settle.ChainSettings;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "node", mixinStandardHelpOptions = true, description = "Run an inference node.",
        subcommands = {NodeCommand.Start.class})
final class NodeCommand {

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Serve the models in the hub over HTTP until interrupted; prints READY <url> <address>.")
    static final class Start implements Callable<Integer> {
        @Option(names = "--home", description = "node home (key, models, receipts); default $VERITY_HOME or ~/.verity")
        Path home;

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "interface to bind (default: ${DEFAULT-VALUE})")
        String host;

        @Option(names = "--port", defaultValue = "7070", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--price-wei", defaultValue = "0", description = "price per inference in wei (default: ${DEFAULT-VALUE})")
        BigInteger price;

        @Option(names = "--threads", defaultValue = "1", description = "engine threads per inference (default: ${DEFAULT-VALUE})")
        int threads;

        @Option(names = "--deployment", description = "settle on this chain: contract addresses and RPC (JSON, e.g. from verity up)")
        Path deployment;

        @Option(names = "--rpc", description = "EVM JSON-RPC URL, overriding the deployment's")
        String rpc;

        @Override
        public Integer call() throws Exception {
            NodeConfig config = NodeConfig.defaults(Homes.resolve(home)).withHost(host).withPort(port).withPrice(price)
                    .withEngineThreads(threads);
            if (deployment != null) {
                ChainSettings chain = ChainSettings.of(deployment.toAbsolutePath());
                config = config.withChainSettings(rpc == null ? chain : chain.withRpcUrl(rpc));
            }
            NodeMain.runUntilTerminated(config);
            return 0;
        }
    }
}
