package io.verity.explorer;

import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.DisputeClient;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.contracts.PaymentsClient;
import io.verity.explorer.index.Indexer;
import io.verity.explorer.index.Store;
import io.verity.explorer.web.GatewayView;
import io.verity.explorer.web.Pages;
import io.verity.http.ServerHardening;
import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explorer: an indexer following the contracts into a database, and web pages over it (network
 * overview, nodes, batches, receipts verified in the browser, search). Read-only: it never sends a
 * transaction. {@link #close()} stops the indexer, the web server and the database, in that order, once.
 */
public final class ExplorerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExplorerServer.class);

    private final ExplorerConfig config;
    private final ChainConnection chain;
    private final Indexer indexer; // holds the deployment and the store it indexes into
    private final Thread loop;
    private final Javalin app;
    private volatile boolean closed;

    private ExplorerServer(ExplorerConfig config, ChainConnection chain, Indexer indexer) {
        this.config = config;
        this.chain = chain;
        this.indexer = indexer;
        Pages pages = new Pages(indexer, new NodeRegistryClient(chain, indexer.deployment().nodeRegistry()),
                new GatewayView(config.gateway()), new PaymentsClient(chain, indexer.deployment().payments()), config.payers(),
                Optional.ofNullable(indexer.deployment().disputeGame()).map(g -> new DisputeClient(chain, g)));
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            ServerHardening.apply(cfg, config.http()); // body size, idle timeout, minimum data rate
            cfg.staticFiles.add(s -> {
                s.hostedPath = "/static";
                s.directory = "/io/verity/explorer/static";
                s.location = Location.CLASSPATH;
            });
            pages.routes(cfg);
        });
        this.loop = Thread.ofVirtual().name("explorer-indexer").unstarted(this::run);
    }

    /**
     * Opens the database, connects to the chain, indexes what is there already, then serves and keeps
     * following the chain in the background.
     *
     * @throws io.verity.chain.ChainException when the chain does not answer
     * @throws IllegalStateException when the database cannot be opened
     */
    public static ExplorerServer start(ExplorerConfig config) {
        Deployment d = Deployment.read(config.deployment());
        if (config.rpcUrl().isPresent()) d = d.withRpcUrl(config.rpcUrl().get());
        // Never signs: a throwaway key only because a connection carries an account.
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        key[0] = 0x01; // keep it well below the curve order
        ChainConnection chain = ChainConnection.open(d.rpcUrl(), ChainAccount.fromPrivateKey(HexFormat.of().formatHex(key)));
        Store store;
        try {
            java.nio.file.Files.createDirectories(config.home());
            store = Store.open(config.effectiveJdbcUrl());
        } catch (java.io.IOException | RuntimeException e) {
            chain.close();
            throw e instanceof RuntimeException re ? re : new java.io.UncheckedIOException((java.io.IOException) e);
        }
        ExplorerServer s = new ExplorerServer(config, chain, new Indexer(chain, d, store, config.http().maxBodyBytes()));
        try {
            s.indexer.catchUp();
        } catch (RuntimeException e) {
            s.indexer.failed(e); // the chain may be mid-restart; the loop retries and the pages show the error
        }
        s.app.start(config.host(), config.port());
        s.loop.start();
        LOG.info("explorer at {} indexing chain {} ({}), database {}", s.url(), d.chainId(), d.rpcUrl(), store.url());
        return s;
    }

    private void run() {
        while (!closed) {
            try {
                indexer.catchUp();
            } catch (RuntimeException e) {
                if (closed) return;
                indexer.failed(e);
                LOG.debug("indexing failed, retrying", e);
            }
            try {
                Thread.sleep(config.pollInterval());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public URI url() {
        return URI.create("http://" + config.host() + ":" + app.port());
    }

    public Deployment deployment() {
        return indexer.deployment();
    }

    /** The last block the index holds (the checkpoint minus one), empty before the first range. */
    public OptionalLong indexedThrough() {
        OptionalLong next = indexer.store().checkpoint();
        return next.isEmpty() ? next : OptionalLong.of(next.getAsLong() - 1);
    }

    /** How many reorganisations the indexer has undone since it started. */
    public long reorgs() {
        return indexer.reorgs();
    }

    /** The last indexing error, cleared by the next successful pass. */
    public Optional<String> lastError() {
        return indexer.lastError();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        loop.interrupt();
        try {
            loop.join(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
        indexer.store().close();
        chain.close();
    }
}
