package io.verity.gateway;

import io.javalin.Javalin;
import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.ChainClients;
import io.verity.client.NodeConnections;
import io.verity.gateway.evidence.CommitteeFeed;
import io.verity.gateway.evidence.DisputeFeed;
import io.verity.gateway.evidence.EvidenceLog;
import io.verity.gateway.http.GatewayApi;
import io.verity.gateway.http.Services;
import io.verity.gateway.openai.OpenAiProxy;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.pay.PayerHeaders;
import io.verity.gateway.pay.Payments;
import io.verity.gateway.policy.PolicyEngine;
import io.verity.gateway.policy.Sampling;
import io.verity.gateway.routing.NodeDirectory;
import io.verity.gateway.routing.NodeState;
import io.verity.gateway.tee.TeeGate;
import io.verity.gateway.tensor.NodeCaller;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.Eip712Domain;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: discovery from NodeRegistry, routing, verification policies, payments and the HTTP API
 * of docs/gateway.md. It keeps no state another gateway would need, so several can serve side by side.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final ChainClients chain;
    private final HttpClient http;
    private final NodeConnections connections; // the calls to nodes on every request: leaner than the JDK client
    private final ScheduledExecutorService scheduler;
    private final ExecutorService background;
    private final NodeDirectory directory;
    private final ModelRules rules;
    private final Optional<Payer> payer;
    private final EvidenceLog evidence;
    private final TeeGate tee;
    private final Javalin app;
    private final URI url;

    private Gateway(GatewayConfig config) {
        Deployment read = Deployment.read(config.deploymentFile());
        Deployment d = config.rpcUrl().map(read::withRpcUrl).orElse(read);
        Optional<ChainAccount> client = config.clientKey().map(ChainAccount::fromPrivateKey);
        this.chain = ChainClients.connect(d, client.orElse(ChainAccount.READ_ONLY), config.tx());
        this.background = Executors.newVirtualThreadPerTaskExecutor();
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).executor(background).build();
        this.scheduler = Executors.newScheduledThreadPool(1, Thread.ofPlatform().daemon().name("gateway-scheduler").factory());
        Clock clock = Clock.systemUTC();
        this.directory = new NodeDirectory(chain.nodes(), http, Duration.ofSeconds(2), clock);
        this.rules = new ModelRules(chain.models(), config::toleranceFor);
        this.evidence = new EvidenceLog(config.home());
        this.payer = client.map(c -> new Payer(c, d.chainId(), d.payments(), http,
                Optional.of(chain.payments()), config.vouchers()));
        client.ifPresent(c -> topUp(c, config.deposit()));
        double slashFraction = chain.settlement().slashBps().doubleValue() / 10_000;
        Eip712Domain domain = Eip712Domain.verity(d.chainId(), d.settlement()); // node receipts are checked against it
        PayerHeaders payerHeaders = PayerHeaders.of(client.map(ChainAccount::key), clock);
        // Each admitted inference calls a node once, or k times, plus hedges and audits: room for four per inference.
        this.connections = NodeConnections.start(Duration.ofSeconds(2),
                (int) Math.min(Integer.MAX_VALUE, 4L * Math.max(16, config.maxConcurrentInferences())));
        NodeCaller tensorCaller = new NodeCaller(http, connections, domain, config.requestTimeout(), background, payerHeaders);
        this.tee = new TeeGate(config.tee(), chain.nodes(), http, Duration.ofSeconds(2), clock);
        PolicyEngine engine = new PolicyEngine(directory::all, tee, config.routing(), payer.map(p -> p), evidence,
                client.map(c -> chain.settlement()), new Sampling(Math.max(slashFraction, 1e-4), config.samplingMargin()),
                config.quarantine(), config.maxAttempts(), background, clock,
                () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        if (client.isPresent()) DisputeFeed.start(chain, evidence, http, background, clock, scheduler); // det evidence -> disputes
        // other engines' evidence -> committee disputes; members fetch the evidence from this gateway's URL
        Optional<CommitteeFeed> committee = client.isEmpty() ? Optional.empty()
                : CommitteeFeed.start(chain, evidence, http, background, clock, scheduler, this::url);
        committee.ifPresent(f -> tensorCaller.onAnswer((inputs, a) -> f.archive(a.receipt(), inputs, a.outputs())));
        refreshNow();
        long every = config.refreshInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::refreshQuietly, every, every, TimeUnit.MILLISECONDS);
        OpenAiProxy openAi = OpenAiProxy.create(engine, directory, http, domain, payerHeaders, background,
                config.defaultPolicy(), config.requestTimeout(), rules::toleranceFor, evidence);
        committee.ifPresent(f -> openAi.onEmbeddings(f::archive));
        this.app = GatewayApi.create(new Services(config, directory, engine, tensorCaller, tee, evidence, http, openAi, rules,
                committee));
        app.start(config.host(), config.port());
        this.url = URI.create("http://" + config.host() + ":" + app.port());
        LOG.info("gateway at {} routing over {} node(s) from NodeRegistry {}", url, directory.all().size(), d.nodeRegistry());
    }

    /** Starts a gateway; it serves until {@link #close()}. */
    public static Gateway start(GatewayConfig config) {
        return new Gateway(config);
    }

    private void topUp(ChainAccount client, BigInteger target) {
        if (target.signum() == 0) return;
        BigInteger have = chain.payments().depositOf(client.address());
        if (have.compareTo(target) >= 0) return;
        TxOutcome t = chain.payments().deposit(target.subtract(have));
        if (!(t instanceof TxOutcome.Confirmed)) {
            throw new IllegalStateException("cannot deposit " + target.subtract(have) + " wei into Payments for client "
                    + client.address() + ": " + t);
        }
    }

    private void refreshQuietly() {
        try {
            refreshNow();
        } catch (RuntimeException e) {
            LOG.warn("node refresh failed: {}", e.getMessage());
        }
    }

    public URI url() {
        return url;
    }

    /** The client account paying nodes, if the gateway has one. */
    public Optional<EvmAddress> clientAccount() {
        return payer.map(Payer::client);
    }

    /**
     * Re-reads the registry and health-checks now, instead of waiting for the next interval. One refresh at a
     * time: a periodic one that read the registry before a change must not apply its older view after this one.
     */
    public void refreshNow() {
        synchronized (refreshLock) {
            directory.refresh();
            rules.refresh(directory.all()); // the on-chain comparison rules of the models the nodes serve
            tee.refresh(directory.all()); // re-verifies every node's evidence: the tee policy's schedule
        }
    }

    private final Object refreshLock = new Object();


    /** True once every promised voucher has been acknowledged by its node. */
    public boolean paymentsDelivered() {
        return payer.map(Payer::settled).orElse(true);
    }

    /** As {@link #paymentsDelivered()}, for the given nodes only (a node that is gone cannot take its voucher). */
    public boolean paymentsDelivered(java.util.Collection<io.verity.protocol.EvmAddress> nodes) {
        return payer.map(p -> nodes.stream().allMatch(p::settled)).orElse(true);
    }






    Collection<NodeState> nodes() {
        return directory.all();
    }

    NodeDirectory directory() {
        return directory;
    }

    ModelRules rules() {
        return rules;
    }

    List<EvidenceLog.Entry> evidence() {
        return evidence.recent();
    }


    @Override
    public void close() {
        app.stop();
        payer.ifPresent(Payer::close); // delivers what it can
        scheduler.shutdown();
        background.shutdown();
        try {
            background.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scheduler.shutdownNow();
        connections.close();
        evidence.close();
        chain.close();
    }
}
