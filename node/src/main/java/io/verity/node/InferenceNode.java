package io.verity.node;

import io.javalin.Javalin;
import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.engine.InferenceEngine;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeSettings;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import io.verity.node.receipts.ReceiptLog;
import io.verity.node.settle.Batcher;
import io.verity.node.settle.ChainSettings;
import io.verity.node.settle.PaymentChannels;
import io.verity.node.settle.RegistryAttestation;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.Eip712Domain;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running inference node: HTTP API on {@link #url()}, models from its hub, every answer signed and made
 * durable in its receipt log before it leaves. With {@link NodeConfig#chain() chain settings} it also runs a
 * {@link Batcher} that settles the receipts on that chain. Close stops the server, then the batcher, the log
 * and the engine.
 */
public final class InferenceNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceNode.class);

    private final NodeConfig config;
    private final NodeIdentity identity;
    private final List<AutoCloseable> resources; // in start order; closed in reverse
    private final Javalin server;
    private final NodeService service;
    private final URI url;
    private volatile boolean closed;

    private InferenceNode(NodeConfig config, NodeIdentity identity, List<AutoCloseable> resources, Javalin server,
            NodeService service) {
        this.service = service;
        this.config = config;
        this.identity = identity;
        this.resources = resources;
        this.server = server;
        this.url = URI.create("http://" + hostForUrl(config.host()) + ":" + server.port());
    }

    /** Starts a node with ONNX Runtime as its engine. */
    public static InferenceNode start(NodeConfig config) throws IOException {
        return start(config, OnnxRuntimeEngine.create(OnnxRuntimeSettings.defaults().withIntraOpThreads(config.engineThreads())),
                InstantSource.system());
    }

    /** Starts a node on the given engine, which the node then owns and closes. */
    public static InferenceNode start(NodeConfig config, InferenceEngine engine, InstantSource clock) throws IOException {
        return start(config, engine, clock, java.util.Map.of());
    }

    /**
     * Starts a node on the given engine that also serves {@code llms} (name to engine) on the OpenAI routes. The
     * node owns and closes all of them. Language models given here are in the node's on-chain registration, so
     * gateways route to them; ones added later with {@link #serveLlm} are served but not registered.
     */
    public static InferenceNode start(NodeConfig config, InferenceEngine engine, InstantSource clock,
            java.util.Map<String, io.verity.llm.LlmEngine> llms) throws IOException {
        List<AutoCloseable> resources = new ArrayList<>();
        resources.add(engine);
        resources.addAll(llms.values());
        try {
            Optional<ChainSettings> chain = config.chain();
            Optional<Deployment> deployment = chain.map(c -> {
                Deployment d = Deployment.read(c.deploymentFile());
                return c.rpcUrl().map(d::withRpcUrl).orElse(d);
            });
            Optional<String> chainKey = chain.flatMap(ChainSettings::accountKey);
            NodeIdentity identity = chainKey.isPresent() ? NodeIdentity.of(chainKey.get(), "chain account key")
                    : NodeIdentity.loadOrCreate(config.home());
            ModelHub hub = new ModelHub(config.home().resolve("models"));
            ReceiptLog log = ReceiptLog.open(config.home().resolve("receipts"));
            resources.add(log);
            // With a chain, receipts are signed in its domain so the Settlement contract can check them.
            Eip712Domain domain = deployment.map(d -> Eip712Domain.verity(d.chainId(), d.settlement()))
                    .orElseGet(() -> Eip712Domain.verity(config.chainId(), config.verifyingContract()));
            NodeService service = new NodeService(config, identity, domain, hub, engine, log, clock, faultRandom(config));
            llms.forEach((name, llm) -> service.llms.put(io.verity.node.hub.Manifest.checkName(name), llm));
            // GGUF models in the hub are served too, each by its own llama.cpp child process.
            List<Manifest> newestFirst = new ArrayList<>(hub.list());
            java.util.Collections.reverse(newestFirst); // one version per name: the newest
            for (Manifest m : newestFirst) {
                if (!Manifest.FORMAT_GGUF.equals(m.format()) || service.llms.containsKey(m.name())) continue;
                var w = config.openAi().workers();
                io.verity.llm.LlmEngine llm = io.verity.llm.LlmEngine.start(hub.file(m.digest()), new io.verity.llm.LlmEngine.Options(
                        config.engineThreads(), config.home().resolve("llama.log"), w.memoryMb(), w.minBackoff(), w.maxBackoff(),
                        w.poisonTtl(), w.poisonCapacity()));
                resources.add(llm);
                service.llms.put(m.name(), llm);
            }
            if (config.openAi().upstream().isPresent()) {
                OpenAiUpstream upstream = new OpenAiUpstream(config.openAi().upstream().get());
                resources.add(upstream);
                for (String name : upstream.models().keySet()) {
                    if (service.llms.containsKey(name)) {
                        throw new IllegalArgumentException("model " + name + " is both a local language model and an upstream one");
                    }
                }
                service.upstream = upstream;
                LOG.info("node {} forwards {} to the upstream at {}", identity.address(), upstream.models(),
                        config.openAi().upstream().get().baseUrl());
            }
            Javalin server = NodeApi.create(config, service).start(config.host(), config.port());
            InferenceNode node = new InferenceNode(config, identity, resources, server, service);
            if (deployment.isPresent()) {
                try {
                    Batcher batcher = Batcher.start(log, config.home(), chain.get(), deployment.get(),
                            ChainAccount.of(identity.key()), node.url,
                            () -> java.util.stream.Stream.of(hub.list().stream().map(Manifest::digest),
                                    service.llms.values().stream().map(io.verity.llm.LlmEngine::modelDigest),
                                    service.upstream == null ? java.util.stream.Stream.<io.verity.protocol.Keccak256>empty()
                                            : service.upstream.models().keySet().stream().map(service.upstream::modelDigest))
                                    .flatMap(x -> x).distinct().toList(),
                            config.price(),
                            config.attestation().map(e -> new RegistryAttestation(e.kind().id(), e.digest(),
                                    node.url + "/v1/attestation")), clock);
                    resources.add(batcher); // closed before the log it reads
                    service.attach(batcher);
                    PaymentChannels channels = PaymentChannels.start(config.home(), chain.get(), deployment.get(),
                            ChainAccount.of(identity.key()), clock);
                    resources.add(channels);
                    service.attach(channels);
                    if (deployment.get().disputeGame() != null && engine instanceof DeterministicEngine) {
                        resources.addAll(DisputeDuties.start(service, deployment.get(), identity));
                    }
                } catch (IOException | RuntimeException e) {
                    server.stop(); // the outer catch closes the engine and the log
                    throw e;
                }
            }
            LOG.info("node {} serving {} model(s), {} of them language models, at {}", identity.address(),
                    hub.list().size() + llms.size(), service.llms.size(), node.url);
            if (config.faults().any()) {
                LOG.warn("!!! FAULTS ON: node {} is deliberately {} (perturb={}, addedLatency={}, tamperWeight={}); for fault "
                        + "tests only, never in production !!!", identity.address(),
                        config.faults().perturb() > 0 || config.faults().tamperWeight() ? "dishonest" : "slow",
                        config.faults().perturb(), config.faults().addedLatency(), config.faults().tamperWeight());
            }
            return node;
        } catch (IOException | RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    /** Seeded and logged, so a fault test that saw a particular lie can replay it. */
    private static java.util.random.RandomGenerator faultRandom(NodeConfig config) {
        long seed = new SecureRandom().nextLong();
        if (config.faults().perturb() > 0) LOG.warn("fault perturbation seed {}", seed);
        return new java.util.SplittableRandom(seed);
    }

    /**
     * Serves {@code engine} as model {@code name} on the OpenAI routes ({@code /v1/chat/completions},
     * {@code /v1/completions}, {@code /v1/models}); the node closes it when it closes.
     *
     * @throws IllegalArgumentException when the name is not a valid model name or is taken
     */
    public void serveLlm(String name, io.verity.llm.LlmEngine engine) {
        io.verity.node.hub.Manifest.checkName(name);
        if (service.upstream != null && service.upstream.serves(name)) {
            throw new IllegalArgumentException("'" + name + "' is a model this node forwards to its upstream");
        }
        synchronized (resources) {
            if (closed) throw new IllegalStateException("node is closed");
            if (service.llms.putIfAbsent(name, engine) != null) {
                throw new IllegalArgumentException("a language model named '" + name + "' is already served");
            }
            resources.add(engine);
        }
        LOG.info("node {} serving language model {} ({}) at {}/v1/chat/completions", identity.address(), name,
                engine.modelDigest(), url);
    }

    public URI url() {
        return url;
    }

    public EvmAddress address() {
        return identity.address();
    }

    public NodeConfig config() {
        return config;
    }

    @Override
    public void close() {
        if (closed) return;
        synchronized (resources) {
            closed = true;
        }
        server.stop();
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", resources.get(i).getClass().getSimpleName(), e.toString());
            }
        }
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
