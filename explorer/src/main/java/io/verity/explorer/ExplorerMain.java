package io.verity.explorer;

import io.verity.http.HttpLimits;
import io.verity.http.ServerMain;
import io.verity.protocol.wire.ReadyLine;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs an explorer until terminated: {@code java -cp ... io.verity.explorer.ExplorerMain --home DIR
 * --deployment FILE [--rpc URL] [--host H] [--port N] [--db JDBC_URL] [--gateway URL] [--poll-ms MS]} and the
 * HTTP limits every server takes ({@link HttpLimits#USAGE}).
 * Prints {@code READY <url>} once it serves.
 */
public final class ExplorerMain {
    private ExplorerMain() {}

    static final String USAGE = "usage: ExplorerMain --home DIR --deployment FILE [--rpc URL] [--host H] [--port N]"
            + " [--db jdbc:h2:...|jdbc:postgresql:...] [--gateway URL] [--poll-ms MS] " + HttpLimits.USAGE;

    public static void main(String[] args) throws InterruptedException {
        runUntilTerminated(ServerMain.parseOrExit("explorer", USAGE, args, ExplorerMain::parse));
    }

    static ExplorerConfig parse(String[] args) {
        Path home = null, deployment = null;
        String rpc = null, host = "127.0.0.1", db = null;
        URI gateway = null;
        int port = 0;
        Duration poll = Duration.ofMillis(500);
        HttpLimits limits = HttpLimits.DEFAULT;
        for (int i = 0; i < args.length; i += 2) {
            String flag = args[i];
            if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
            String v = args[i + 1];
            var l = limits.parseFlag(flag, v);
            if (l.isPresent()) {
                limits = l.get();
                continue;
            }
            try {
                switch (flag) {
                    case "--home" -> home = Path.of(v);
                    case "--deployment" -> deployment = Path.of(v);
                    case "--rpc" -> rpc = v;
                    case "--host" -> host = v;
                    case "--port" -> port = Integer.parseInt(v);
                    case "--db" -> db = v;
                    case "--gateway" -> gateway = URI.create(v);
                    case "--poll-ms" -> poll = Duration.ofMillis(Long.parseLong(v));
                    default -> throw new IllegalArgumentException("unknown argument " + flag);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " expects a number, got '" + v + "'");
            }
        }
        if (home == null) throw new IllegalArgumentException("--home is required");
        if (deployment == null) throw new IllegalArgumentException("--deployment is required");
        return ExplorerConfig.defaults(home, deployment).withRpcUrl(rpc).withHost(host).withPort(port).withJdbcUrl(db)
                .withGateway(gateway).withPollInterval(poll).withHttp(limits);
    }

    /** Starts the explorer, prints the READY line, and blocks until the JVM is asked to shut down. */
    public static void runUntilTerminated(ExplorerConfig config) throws InterruptedException {
        ExplorerServer server = ExplorerServer.start(config);
        ServerMain.serveUntilTerminated("explorer", server::close, ReadyLine.of(server.url()));
    }
}
