package io.verity.cli;

import io.verity.gateway.GatewayConfig;
import io.verity.gateway.GatewayMain;
import io.verity.protocol.policy.Policy;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "gateway", mixinStandardHelpOptions = true, description = "Run a gateway in front of the network.",
        subcommands = {GatewayCommand.Start.class})
final class GatewayCommand {
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Serve the network's nodes (discovered from NodeRegistry) under verification policies; see docs/gateway.md.",
                    "The paying client key comes from --client-key or VERITY_CLIENT_KEY; without one nobody is paid."})
    static final class Start implements Callable<Integer> {
        @Option(names = "--home", description = "gateway state (evidence log); default $VERITY_HOME/gateway or ~/.verity/gateway")
        Path home;

        @Option(names = "--deployment", description = "contract addresses and RPC (JSON); default: the one `verity up` wrote")
        Path deployment;

        @Option(names = "--rpc", description = "EVM JSON-RPC URL, overriding the deployment's")
        String rpc;

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "interface to bind (default: ${DEFAULT-VALUE})")
        String host;

        @Option(names = "--port", defaultValue = "7070", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--client-key", description = "private key (hex) of the account that pays nodes; prefer VERITY_CLIENT_KEY")
        String clientKey;

        @Option(names = "--deposit-wei", defaultValue = "0", description = "top the client's Payments deposit up to this at start")
        BigInteger deposit;

        @Option(names = "--policy", defaultValue = "none", description = "default policy: none, redundant:k, sample:p (default: ${DEFAULT-VALUE})")
        String policy;

        @Option(names = "--routing", description = "weights, e.g. latency=1,price=0.5,reputation=1")
        String routing;

        @Option(names = "--tolerance", description = "[model=]abs,rel: how far floating-point answers may differ and agree (repeatable)")
        java.util.List<String> tolerances = java.util.List.of();

        @Option(names = "--tee-policy", description = "attestation policy (JSON, docs/attestation.md) for the tee policy; without it tee admits no node")
        Path teePolicy;

        @Option(names = "--tee-max-age-s", description = "evidence older than this in NodeRegistry is stale (default: the gateway's)")
        Long teeMaxAgeS;

        @Option(names = "--hedge-ms", defaultValue = "0", description = "ask a second node when the first has not answered by then; 0: never")
        long hedgeMs;

        @Option(names = "--quarantine-s", defaultValue = "600", description = "how long a node caught disagreeing is not routed to")
        long quarantineS;

        @Override
        public Integer call() throws Exception {
            Path base = Homes.resolve(null);
            Path dep = Homes.existingDeployment(deployment);
            String key = clientKey != null ? clientKey : System.getenv("VERITY_CLIENT_KEY");
            GatewayConfig.Builder b;
            try {
                b = GatewayConfig.builder(home != null ? home : base.resolve("gateway"), dep).host(host).port(port).rpcUrl(rpc)
                        .clientKey(key).deposit(deposit).defaultPolicy(Policy.parse(policy)).hedgeAfter(Duration.ofMillis(hedgeMs))
                        .quarantine(Duration.ofSeconds(quarantineS));
                if (routing != null) b.routing(routing);
                for (String t : tolerances) b.tolerance(t);
                if (teePolicy != null) {
                    io.verity.gateway.TeeSettings tee = io.verity.gateway.TeeSettings.fromFile(teePolicy);
                    b.tee(teeMaxAgeS == null ? tee : tee.withMaxAge(Duration.ofSeconds(teeMaxAgeS)));
                }
            } catch (IllegalArgumentException e) {
                throw new TensorFiles.UsageError(e.getMessage());
            }
            GatewayMain.runUntilTerminated(b.build());
            return 0;
        }
    }
}
