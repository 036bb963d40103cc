package io.verity.cli;

import io.verity.explorer.ExplorerConfig;
import io.verity.explorer.ExplorerMain;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code verity explorer}: the web explorer over a deployment (docs/explorer.md). */
@Command(name = "explorer", mixinStandardHelpOptions = true,
        description = {"Index the network's contracts and serve the explorer: overview, nodes, batches, receipts verified in the",
                "browser, search. Embedded H2 under --home unless --db names a PostgreSQL URL; see docs/explorer.md."})
public final class ExplorerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServiceOptions service = new ServiceOptions("explorer", 7080);

    @Option(names = "--db", description = "JDBC URL, e.g. jdbc:postgresql://127.0.0.1/verity?user=u&password=p; default: embedded H2")
    String db;

    @Option(names = "--gateway", description = "a gateway's URL, for node latency, availability and audits (e.g. http://127.0.0.1:7070)")
    URI gateway;

    @Option(names = "--poll-ms", defaultValue = "1000", description = "how often to ask the chain for new blocks (default: ${DEFAULT-VALUE})")
    long pollMs;

    @Option(names = "--payer-max-receipts", defaultValue = "10000", description = "the most receipts of one payer /payers/{address}"
            + " reconciles; more: a 422 (default: ${DEFAULT-VALUE})")
    int payerMaxReceipts;

    @Option(names = "--payer-max-nodes", defaultValue = "256", description = "the most nodes /payers/{address} asks for the payer's"
            + " vouchers (default: ${DEFAULT-VALUE})")
    int payerMaxNodes;

    @Mixin
    HttpLimitOptions httpLimits = new HttpLimitOptions();

    @Override
    public Integer call() throws Exception {
        ExplorerMain.runUntilTerminated(config());
        return 0;
    }

    /** The options through ExplorerMain's parser: typed ones first, then environment and --config, then defaults. */
    ExplorerConfig config() {
        return Flags.throughMain(spec, service::addHomeAndDeployment, ExplorerMain.FLAGS, ExplorerMain::parse);
    }
}
