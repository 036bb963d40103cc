package io.verity.cli;

import io.verity.gateway.GatewayConfig;
import io.verity.gateway.GatewayMain;
import java.math.BigInteger;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gateway", mixinStandardHelpOptions = true, description = "Run a gateway in front of the network.",
        subcommands = {GatewayCommand.Start.class})
public final class GatewayCommand {
    @Command(name = "start", mixinStandardHelpOptions = true,
            description = {"Serve the network's nodes (discovered from NodeRegistry) under verification policies; see docs/gateway.md.",
                    "The paying client key comes from --client-keystore, VERITY_CLIENT_KEY or --client-key-file (never a flag: ps shows flags); without one nobody is paid."})
    static final class Start extends ServiceCommand<GatewayConfig> {
        Start() {
            super("gateway", 7070, GatewayMain.FLAGS, GatewayMain::parse);
        }

        @Option(names = "--client-key-file", description = "file holding the private key (hex) of the account that pays nodes;"
                + " else VERITY_CLIENT_KEY")
        Path clientKeyFile; // without it GatewayMain reads VERITY_CLIENT_KEY

        @Option(names = "--client-keystore", paramLabel = "FILE", description = "the paying account's encrypted keystore"
                + " (its password: --password-file or --password-env); instead of --client-key-file")
        Path clientKeystore;

        @picocli.CommandLine.Mixin
        io.verity.cli.keys.PasswordOptions password = new io.verity.cli.keys.PasswordOptions();

        @Option(names = "--deposit-wei", defaultValue = "0", description = "top the client's Payments deposit up to this at start")
        BigInteger deposit;

        @Option(names = "--policy", defaultValue = "none", description = "default policy: none, redundant:k, sample:p (default: ${DEFAULT-VALUE})")
        String policy;

        @Option(names = "--routing", description = "weights, e.g. latency=1,price=0.5,reputation=1")
        String routing;

        @Option(names = "--tolerance", description = "[model=]abs,rel: how far floating-point answers may differ and agree (repeatable);"
                + " a model's rule in ModelRegistry (verity model rule) takes precedence")
        java.util.List<String> tolerances = java.util.List.of();

        @Option(names = "--tee-policy", description = "attestation policy (JSON, docs/attestation.md) for the tee policy; without it tee admits no node")
        Path teePolicy;

        @Option(names = "--tee-max-age-s", description = "evidence older than this in NodeRegistry is stale (default: the gateway's)")
        Long teeMaxAgeS;

        @Option(names = "--hedge-ms", defaultValue = "0", description = "ask a second node when the first has not answered by then; 0: never")
        long hedgeMs;

        @Option(names = "--quarantine-s", defaultValue = "600", description = "how long a node caught disagreeing is not routed to")
        long quarantineS;

        @Option(names = "--refresh-ms", description = "how often to re-read NodeRegistry (default 2000)")
        Long refreshMs;

        @Option(names = "--timeout-ms", description = "give up on a node's answer after this long (default 30000)")
        Long timeoutMs;

        @Option(names = "--voucher-batch", description = "a node's next voucher waits for this many answers at most;"
                + " 1: one after every answer (default 8; keep it well under the nodes' credit)")
        Integer voucherBatch;

        @Option(names = "--voucher-spacing-ms", description = "or for this long since the node's last voucher (default 50)")
        Long voucherSpacingMs;

        @Mixin
        TxOptions tx = new TxOptions(); // the client's deposit, equivocation reports and disputes

        @Override
        void run(GatewayConfig config) throws InterruptedException {
            GatewayMain.runUntilTerminated(config);
        }
    }
}
