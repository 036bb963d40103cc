package io.verity.node;

import io.javalin.Javalin;
import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.engine.InferenceEngine;
import io.verity.node.dispute.DisputeDuties;
import io.verity.node.dispute.DisputeTraces;
import io.verity.node.http.NodeApi;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import io.verity.node.embed.EmbeddingModels;
import io.verity.node.embed.EmbeddingsApi;
import io.verity.node.openai.LanguageModels;
import io.verity.node.openai.OpenAiApi;
import io.verity.node.openai.OpenAiUpstream;
import io.verity.node.pay.PaymentChannels;
import io.verity.node.receipts.ReceiptLog;
import io.verity.node.serve.NodeIdentity;
import io.verity.node.serve.Engines;
import io.verity.node.serve.NodeService;
import io.verity.node.settle.Batcher;
import io.verity.node.settle.ChainSettings;
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
    private final LanguageModels models;
    private final URI url;
    private volatile boolean closed;

    private InferenceNode(NodeConfig config, NodeIdentity identity, List<AutoCloseable> resources, Javalin server,
            LanguageModels models) {
        this.models = models;
        this.config = config;
        this.identity = identity;
        this.resources = resources;
        this.server = server;
        this.url = URI.create("http://" + hostForUrl(config.host()) + ":" + server.port());
    }

    /** Starts a node on the engine its config names ({@link NodeConfig#engine()}, ONNX Runtime by default). */
    public static InferenceNode start(NodeConfig config) throws IOException {
        return start(config, Engines.create(config.engine(), config.engineThreads(), config.detContract(), config.detTrace()), InstantSource.system());
    }

    /**
     * Starts a node on the given engine, which the node then owns and closes; it is the default for models whose
     * manifest names no engine (whatever {@link NodeConfig#engine()} says), the other kind is created on demand.
     */
    public static InferenceNode start(NodeConfig config, InferenceEngine engine, InstantSource clock) throws IOException {
        return start(config, engine, clock, java.util.Map.of());
    }

    /**
     * Starts a node on the given engine that also serves {@code llms} (name to engine) on the OpenAI routes. The
     * node owns and closes all of them. Language models given here, or added later with {@link #serveLlm}, are in the
     * node's on-chain registration (updated at its next settlement step), so gateways route to them.
     */
    public static InferenceNode start(NodeConfig config, InferenceEngine engine, InstantSource clock,
            java.util.Map<String, io.verity.llm.LlmEngine> llms) throws IOException {
        List<AutoCloseable> resources = new ArrayList<>();
        Engines engines = new Engines(engine, config.engineThreads(), config.detContract(), config.detTrace(), config.maxRun());
        resources.add(engines);
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
            ReceiptLog log = ReceiptLog.open(config.home().resolve("receipts"), config.receiptLogReserve());
            resources.add(log);
            // With a chain, receipts are signed in its domain so the Settlement contract can check them.
            Eip712Domain domain = deployment.map(d -> Eip712Domain.verity(d.chainId(), d.settlement()))
                    .orElseGet(() -> Eip712Domain.verity(config.chainId(), config.verifyingContract()));
            NodeService service = new NodeService(config, identity, domain, hub, engines, log, clock, faultRandom(config));
            checkDeterministicModels(hub, service);
            LanguageModels models = new LanguageModels();
            llms.forEach((name, llm) -> models.add(io.verity.node.hub.Manifest.checkName(name), llm));
            // GGUF models in the hub are served too, each by its own llama.cpp child process.
            List<Manifest> newestFirst = new ArrayList<>(hub.list());
            java.util.Collections.reverse(newestFirst); // one version per name: the newest
            for (Manifest m : newestFirst) {
                if (!Manifest.FORMAT_GGUF.equals(m.format()) || models.servesLocally(m.name())) continue;
                var w = config.openAi().workers();
                io.verity.llm.LlmEngine llm = io.verity.llm.LlmEngine.start(hub.file(m.digest()), new io.verity.llm.LlmEngine.Options(
                        config.engineThreads(), config.home().resolve("llama.log"), w.memoryMb(), w.minBackoff(), w.maxBackoff(),
                        w.poisonTtl(), w.poisonCapacity(), w.stallLimit()));
                resources.add(llm);
                models.add(m.name(), llm);
            }
            if (config.openAi().upstream().isPresent()) {
                OpenAiUpstream upstream = new OpenAiUpstream(config.openAi().upstream().get());
                resources.add(upstream);
                for (String name : upstream.models().keySet()) {
                    if (models.servesLocally(name)) {
                        throw new IllegalArgumentException("model " + name + " is both a local language model and an upstream one");
                    }
                }
                models.proxy(upstream);
                LOG.info("node {} forwards {} to the upstream at {}", identity.address(), upstream.models(),
                        config.openAi().upstream().get().baseUrl());
            }
            DisputeTraces traces = new DisputeTraces(service); // the one trace cache the dispute routes and the responder share
            EmbeddingModels embeddings = EmbeddingModels.fromHub(hub); // the route's models are the ones a member re-embeds
            Javalin server = NodeApi.create(config, service, traces,
                    OpenAiApi.extension(service, models).and(EmbeddingsApi.extension(service, embeddings)))
                    .start(config.host(), config.port());
            InferenceNode node = new InferenceNode(config, identity, resources, server, models);
            if (deployment.isPresent()) {
                // announced on chain: --public-url when the node is reached through another address than it binds
                URI announced = chain.get().publicUrl().orElse(node.url);
                try {
                    Batcher batcher = Batcher.start(log, config.home(), chain.get(), deployment.get(),
                            ChainAccount.of(identity.key()), announced,
                            // read again before every settlement step: a model added to or removed from the hub
                            // while the node runs updates its registration (gateways route by it)
                            () -> java.util.stream.Stream.concat(service.servableModels(), models.digests())
                                    .distinct().toList(),
                            config.price(),
                            config.attestation().map(e -> new RegistryAttestation(e.kind().id(), e.digest(),
                                    announced + "/v1/attestation")), clock);
                    resources.add(batcher); // closed before the log it reads
                    service.attach(batcher);
                    PaymentChannels channels = PaymentChannels.start(config.home(), chain.get(), deployment.get(),
                            ChainAccount.of(identity.key()), clock);
                    resources.add(channels);
                    service.attach(channels);
                    if (deployment.get().disputeGame() != null) { // kept inputs past their dispute window go
                        resources.addAll(TracePruning.start(service.traces(), batcher, deployment.get(), identity, chain.get().tx()));
                    }
                    if (deployment.get().disputeGame() != null && servesDeterministically(hub, engines)) {
                        resources.addAll(DisputeDuties.start(service, traces, deployment.get(), identity, chain.get().tx()));
                    }
                    if (deployment.get().committeeDisputes() != null) {
                        resources.addAll(DisputeDuties.startCommittee(service, (model, receiptEngine, request) ->
                                EmbeddingsApi.rerun(service, embeddings, model, receiptEngine, request), deployment.get(), identity,
                                chain.get().tx()));
                    }
                } catch (IOException | RuntimeException e) {
                    server.stop(); // the outer catch closes the engine and the log
                    throw e;
                }
            }
            LOG.info("node {} serving {} model(s), {} of them language models, at {}", identity.address(),
                    hub.list().size() + llms.size(), models.localCount(), node.url);
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

    /**
     * Loads every ONNX model the deterministic engine is to run, so that one it cannot run (an operator it lacks)
     * stops the start with a message naming it, instead of failing its first request.
     *
     * @throws IllegalArgumentException naming the model and what the engine lacks
     */
    private static void checkDeterministicModels(ModelHub hub, NodeService service) {
        for (Manifest m : hub.list()) {
            if (!Manifest.FORMAT_ONNX.equals(m.format())
                    || service.engines().kindFor(m) != io.verity.engine.EngineKind.DET) continue;
            try {
                service.load(m.digest());
            } catch (io.verity.engine.EngineException e) {
                throw new IllegalArgumentException("model " + m.ref() + " (" + m.digest() + ") cannot run on the"
                        + " deterministic engine: " + e.getMessage() + "; remove it (verity model rm) or add it again with"
                        + " --engine onnxruntime", e);
            }
        }
    }

    /** Whether any model runs on the deterministic engine, whose receipts can be disputed (so the node must answer). */
    private static boolean servesDeterministically(ModelHub hub, Engines engines) {
        return engines.defaultKind() == io.verity.engine.EngineKind.DET
                || hub.list().stream().anyMatch(m -> m.engine().orElse(null) == io.verity.engine.EngineKind.DET);
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
        if (models.forwards(name)) {
            throw new IllegalArgumentException("'" + name + "' is a model this node forwards to its upstream");
        }
        synchronized (resources) {
            if (closed) throw new IllegalStateException("node is closed");
            if (!models.addIfAbsent(name, engine)) {
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
