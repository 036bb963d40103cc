package io.verity.explorer;

import io.verity.explorer.index.Store;
import io.verity.explorer.web.PayerLimits;
import io.verity.http.HttpLimits;
import io.verity.protocol.Checks;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How an explorer runs: which deployment it indexes, where it stores the index, where it serves, and
 * (optionally) a gateway whose live view of the nodes (latency, availability, evidence) it shows.
 *
 * @param home          directory of the embedded H2 database ({@code home/index.mv.db}) unless {@code jdbcUrl} is set
 * @param deployment    the deployment JSON {@code verity up} writes
 * @param rpcUrl        overrides the deployment's RPC URL when present
 * @param jdbcUrl       e.g. {@code jdbc:postgresql://127.0.0.1/verity?user=u&password=p}; empty: embedded H2
 * @param gateway       a gateway's base URL, for latency and availability; empty: chain data only
 * @param pollInterval  how often the indexer asks the chain for new blocks
 * @param http          the HTTP limits every server shares (docs/security.md, "HTTP limits")
 * @param payers        bounds of the per-payer bills (docs/security.md, "Explorer per payer")
 */
public record ExplorerConfig(Path home, Path deployment, Optional<String> rpcUrl, String host, int port,
                             Optional<String> jdbcUrl, Optional<URI> gateway, Duration pollInterval, HttpLimits http,
                             PayerLimits payers) {
    public ExplorerConfig {
        Checks.nonNull("home", home, "deployment", deployment, "host", host, "http", http, "payers", payers);
        Checks.inRange("port", port, 0, 65535);
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
        }
        jdbcUrl.ifPresent(u -> {
            if (!u.startsWith("jdbc:h2:") && !u.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("--db must be a jdbc:h2: or jdbc:postgresql: URL, got " + Store.redact(u));
            }
        });
    }

    /** 127.0.0.1, a free port, embedded H2 under {@code home}, polling every 500 ms, no gateway. */
    public static ExplorerConfig defaults(Path home, Path deployment) {
        return new ExplorerConfig(home, deployment, Optional.empty(), "127.0.0.1", 0, Optional.empty(), Optional.empty(),
                Duration.ofMillis(500), HttpLimits.DEFAULT, PayerLimits.DEFAULT);
    }

    public ExplorerConfig withPort(int p) {
        return new ExplorerConfig(home, deployment, rpcUrl, host, p, jdbcUrl, gateway, pollInterval, http, payers);
    }

    public ExplorerConfig withHost(String h) {
        return new ExplorerConfig(home, deployment, rpcUrl, h, port, jdbcUrl, gateway, pollInterval, http, payers);
    }

    public ExplorerConfig withRpcUrl(String rpc) {
        return new ExplorerConfig(home, deployment, Optional.ofNullable(rpc), host, port, jdbcUrl, gateway, pollInterval, http, payers);
    }

    public ExplorerConfig withJdbcUrl(String url) {
        return new ExplorerConfig(home, deployment, rpcUrl, host, port, Optional.ofNullable(url), gateway, pollInterval, http, payers);
    }

    public ExplorerConfig withGateway(URI url) {
        return new ExplorerConfig(home, deployment, rpcUrl, host, port, jdbcUrl, Optional.ofNullable(url), pollInterval, http, payers);
    }

    public ExplorerConfig withPollInterval(Duration d) {
        return new ExplorerConfig(home, deployment, rpcUrl, host, port, jdbcUrl, gateway, d, http, payers);
    }

    public ExplorerConfig withHttp(HttpLimits limits) {
        return new ExplorerConfig(home, deployment, rpcUrl, host, port, jdbcUrl, gateway, pollInterval, limits, payers);
    }

    public ExplorerConfig withPayers(PayerLimits limits) {
        return new ExplorerConfig(home, deployment, rpcUrl, host, port, jdbcUrl, gateway, pollInterval, http, limits);
    }

    String effectiveJdbcUrl() {
        // AUTO_SERVER off: one explorer owns its file; DB_CLOSE_ON_EXIT off so close() decides when.
        return jdbcUrl.orElse("jdbc:h2:file:" + home.toAbsolutePath().resolve("index") + ";DB_CLOSE_ON_EXIT=FALSE");
    }
}
