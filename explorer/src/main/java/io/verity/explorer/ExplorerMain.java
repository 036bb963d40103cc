package io.verity.explorer;

import io.verity.explorer.web.PayerLimits;
import io.verity.http.FlagSources;
import io.verity.http.HttpLimits;
import io.verity.http.ServerFlags;
import io.verity.http.ServerMain;
import io.verity.protocol.wire.ReadyLine;
import java.net.URI;
import java.time.Duration;

/**
 * Runs an explorer until terminated: {@code java -cp ... io.verity.explorer.ExplorerMain --home DIR
 * --deployment FILE [--rpc URL] [--host H] [--port N] [--db JDBC_URL] [--gateway URL] [--poll-ms MS]
 * [--payer-max-receipts N] [--payer-max-nodes N]} and the
 * HTTP limits every server takes ({@link HttpLimits#USAGE}).
 * Prints {@code READY <url>} once it serves.
 */
public final class ExplorerMain {
    private ExplorerMain() {}

    static final String USAGE = "usage: ExplorerMain [--config FILE] --home DIR --deployment FILE [--rpc URL] [--host H] [--port N]"
            + " [--db jdbc:h2:...|jdbc:postgresql:...] [--gateway URL] [--poll-ms MS] [--payer-max-receipts N] [--payer-max-nodes N] "
            + HttpLimits.USAGE;

    public static void main(String[] args) throws InterruptedException {
        runUntilTerminated(ServerMain.parseOrExit("explorer", USAGE, args, ExplorerMain::parse));
    }

    /**
     * Every flag above, which {@code --config FILE} and {@code VERITY_<FLAG>} may set too ({@link FlagSources}):
     * {@code verity explorer} resolves its own defaults through here.
     */
    public static final FlagSources FLAGS = FlagSources.server(java.util.List.of("--db", "--gateway", "--poll-ms",
            "--payer-max-receipts", "--payer-max-nodes"),
            java.util.List.of());

    /**
     * The flags above as a config; {@code verity explorer} parses through here too, so the two cannot drift.
     *
     * @throws IllegalArgumentException naming the flag (or config file line) and what it expects
     */
    public static ExplorerConfig parse(String[] args) {
        return parse(args, System::getenv);
    }

    /** @param env reads an environment variable (null when unset) */
    static ExplorerConfig parse(String[] args, java.util.function.UnaryOperator<String> env) {
        args = FLAGS.resolve(args, env); // --config FILE and VERITY_<FLAG> below the command line
        String db = null;
        URI gateway = null;
        Duration poll = Duration.ofMillis(500);
        int payerReceipts = PayerLimits.DEFAULT.maxReceipts(), payerNodes = PayerLimits.DEFAULT.maxNodes();
        ServerFlags flags = new ServerFlags(args);
        while (flags.next()) {
            String v = flags.value();
            try {
                switch (flags.flag()) {
                    case "--db" -> db = v;
                    case "--gateway" -> gateway = URI.create(v);
                    case "--poll-ms" -> poll = Duration.ofMillis(Long.parseLong(v));
                    case "--payer-max-receipts" -> payerReceipts = Integer.parseInt(v);
                    case "--payer-max-nodes" -> payerNodes = Integer.parseInt(v);
                    default -> throw flags.unknown();
                }
            } catch (NumberFormatException e) {
                throw flags.notANumber();
            }
        }
        return ExplorerConfig.defaults(flags.home(), flags.deployment()).withRpcUrl(flags.rpc()).withHost(flags.host())
                .withPort(flags.port()).withJdbcUrl(db).withGateway(gateway).withPollInterval(poll).withHttp(flags.limits())
                .withPayers(new PayerLimits(payerReceipts, payerNodes));
    }

    /** Starts the explorer, prints the READY line, and blocks until the JVM is asked to shut down. */
    public static void runUntilTerminated(ExplorerConfig config) throws InterruptedException {
        ExplorerServer server = ExplorerServer.start(config);
        ServerMain.serveUntilTerminated("explorer", server::close, ReadyLine.of(server.url()));
    }
}
