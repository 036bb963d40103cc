package io.verity.cli;

import io.verity.explorer.ExplorerConfig;
import io.verity.explorer.ExplorerMain;
import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verity explorer}: the web explorer over a deployment (docs/explorer.md). */
@Command(name = "explorer", mixinStandardHelpOptions = true,
        description = {"Index the network's contracts and serve the explorer: overview, nodes, batches, receipts verified in the",
                "browser, search. Embedded H2 under --home unless --db names a PostgreSQL URL; see docs/explorer.md."})
public final class ExplorerCommand extends ServiceCommand<ExplorerConfig> {
    public ExplorerCommand() {
        super("explorer", 7080, ExplorerMain.FLAGS, ExplorerMain::parse);
    }

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

    @Override
    void run(ExplorerConfig config) throws InterruptedException {
        ExplorerMain.runUntilTerminated(config);
    }
}
