package io.verity.node.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.engine.EngineException;
import io.verity.engine.Inference;
import io.verity.engine.InferenceEngine;
import io.verity.engine.LoadedModel;
import io.verity.node.Faults;
import io.verity.node.NodeConfig;
import io.verity.node.NodeEvidence;
import io.verity.node.faults.FaultInjector;
import io.verity.node.faults.FaultyEngine;
import io.verity.node.hub.HubException;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import io.verity.node.pay.PaymentChannels;
import io.verity.node.pay.PayerProofs;
import io.verity.node.pay.PaymentGate;
import io.verity.node.receipts.ReceiptLog;
import io.verity.node.serve.InferPhases.Phase;
import io.verity.node.settle.Batcher;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.Receipt;
import io.verity.protocol.receipt.ReceiptV2;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One inference end to end: resolve, validate, run, digest, sign, make durable. */
public final class NodeService {
    private static final Logger LOG = LoggerFactory.getLogger(NodeService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NodeConfig config;
    /** keccak256 of the evidence this node serves, zero for "none": signed into every receipt. */
    private final Keccak256 attestationDigest;
    private final NodeIdentity identity;
    private final Eip712Domain domain;
    private final ModelHub hub;
    private final Engines engines;
    private final ReceiptLog log;
    private final TraceStore traces;
    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();
    private final FaultInjector faults;
    private final InferPhases phases = new InferPhases();
    private volatile Batcher batcher; // set once settlement starts, after the server knows its URL
    private volatile PaymentChannels channels;
    private volatile PaymentGate gate; // with channels, when the node charges
    private final PayerProofs proofs; // a payer named must be proven: else anyone could spend a gateway's credit
    /** The admitted request this thread serves (Javalin runs a request's handlers on one pooled thread). */
    private final ThreadLocal<PaymentGate.Ticket> ticket = new ThreadLocal<>();

    /** @param faultRandom draws the perturbation of {@link Faults#perturb()}; unused without faults */
    public NodeService(NodeConfig config, NodeIdentity identity, Eip712Domain domain, ModelHub hub, Engines engines,
            ReceiptLog log, InstantSource clock, RandomGenerator faultRandom) {
        this.faults = new FaultInjector(config.faults(), faultRandom, config.home().resolve("tampered"));
        this.config = config;
        this.attestationDigest = config.attestation().map(NodeEvidence::digest).orElse(Keccak256.ZERO);
        this.identity = identity;
        this.domain = domain;
        this.hub = hub;
        this.engines = engines;
        this.log = log;
        this.clock = clock;
        this.traces = new TraceStore(config.home().resolve("traces"));
        this.proofs = new PayerProofs(identity.address());
    }

    /** An answer: the outputs, and the receipt signed over them with the JSON the log holds for it. */
    public record Answer(List<Tensor> outputs, SignedReceipt receipt, byte[] receiptJson) {}

    /**
     * Inputs at least this large are digested on another thread while the engine runs, when fewer runs than
     * cores are in flight: it saves latency only where a core is idle, and costs a thread start where none is.
     */
    private static final long PARALLEL_DIGEST_BYTES = 32 * 1024;
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private final AtomicInteger running = new AtomicInteger(); // inferences in the engine now

    public Answer infer(String modelRef, List<Tensor> inputs, Keccak256 requestId, VerificationMode verification) {
        long t = System.nanoTime();
        Manifest manifest;
        try {
            manifest = hub.show(modelRef);
        } catch (HubException.NotFound | HubException.Ambiguous e) {
            // Not e.getMessage(): the hub names its directory, which is no business of a remote client.
            String why = e instanceof HubException.Ambiguous ? e.getMessage()
                    : "no model '" + modelRef + "' on this node";
            throw new Refusal(Refusal.Reason.UNKNOWN_MODEL, why,
                    List.of(new FieldError("/model", why + "; GET /v1/models lists what this node serves")));
        }
        if (Manifest.FORMAT_GGUF.equals(manifest.format())) {
            throw new Refusal(Refusal.Reason.NOT_A_TENSOR_MODEL, manifest.ref() + " is a language model",
                    List.of(new FieldError("/model", manifest.ref() + " is a language model: send it to POST "
                            + "/v1/chat/completions or /v1/completions")));
        }
        InferenceEngine engine = engines.forModel(manifest);
        LoadedModel model;
        try {
            // what inferences run on: the engine, or it with the node's deliberate faults (fault tests)
            model = FaultyEngine.of(engine, config.faults(), faults).load(manifest.digest(), hub.file(manifest.digest()));
        } catch (EngineException e) {
            LOG.error("model {} cannot be loaded: {}", manifest.digest(), e.getMessage());
            throw new Refusal(Refusal.Reason.MODEL_UNLOADABLE, "model " + manifest.digest() + " cannot be loaded by "
                    + engine.id() + " on this node", List.of());
        }
        t = phases.since(Phase.RESOLVE, t);
        List<FieldError> errors = InputValidator.validate(model.schema(), inputs, config.allowNonFinite());
        if (!errors.isEmpty()) {
            throw new Refusal(Refusal.Reason.INVALID_INPUT, errors.size() + " input error(s) for model "
                    + manifest.name() + "@" + manifest.version(), errors);
        }
        // The inputs' digest does not depend on the run: for a large input, take it on an idle core meanwhile.
        int alsoRunning = running.getAndIncrement();
        CompletableFuture<Keccak256> parallelDigest = inputBytes(inputs) < PARALLEL_DIGEST_BYTES || alsoRunning + 1 >= CORES ? null
                : CompletableFuture.supplyAsync(() -> TensorDigests.tensorsDigest(inputs), r -> Thread.ofVirtual().start(r));
        t = phases.since(Phase.VALIDATE, t);
        Inference result;
        try {
            result = engines.run(model, inputs); // stopped at --max-run-ms
        } catch (EngineException e) {
            if (e.kind() == EngineException.Kind.STOPPED) throw Refusal.runTooLong(engines.maxRun());
            if (e.kind() == EngineException.Kind.INVALID_INPUT) {
                throw new Refusal(Refusal.Reason.INVALID_INPUT, e.getMessage(),
                        List.of(new FieldError("/inputs", e.getMessage())));
            }
            LOG.error("inference failed on model {}", manifest.digest(), e);
            throw new Refusal(Refusal.Reason.ENGINE_FAILED, "the engine failed on this request; nothing was charged", List.of());
        } finally {
            running.decrementAndGet();
        }
        t = phases.since(Phase.RUN, t);
        Keccak256 rid = requestId != null ? requestId : randomRequestId();
        List<Tensor> outputs = result.outputs();
        Keccak256 outputsDigest = TensorDigests.tensorsDigest(outputs);
        Keccak256 inputsDigest = parallelDigest == null ? TensorDigests.tensorsDigest(inputs) : join(parallelDigest);
        phases.since(Phase.DIGEST, t);
        Keccak256 traceRoot = Engines.signedTraceRoot(engine, result);
        Receipt receipt = new Receipt(Receipt.VERSION, rid, manifest.digest(), engine.id(), inputsDigest, outputsDigest,
                traceRoot, identity.address(), attestationDigest, verification, config.price(), clock.millis());
        if (ticket.get() != null && channels != null) {
            // Paid: format 2, so the receipt names the payer and the voucher total it belongs to and a payer's bill can be
            // reconciled (docs/receipts.md). The hub ran what the request's ref names (modelDigest says which): served as
            // asked. Unpaid answers stay format 1, as every verifier has always read them.
            receipt = receipt.withV2(withPayment(ReceiptV2.served(modelRef, modelRef, "", 0, 0)));
        }
        Logged logged = signLogAndCharge(receipt);
        if (!traceRoot.equals(Keccak256.ZERO)) traces.record(logged.receipt().id(), inputs); // for disputes (eager or on challenge)
        return new Answer(outputs, logged.receipt(), logged.json());
    }

    private static long inputBytes(List<Tensor> inputs) {
        long n = 0;
        for (Tensor t : inputs) n += t.byteSize();
        return n;
    }

    private static Keccak256 join(CompletableFuture<Keccak256> digest) {
        try {
            return digest.join();
        } catch (CompletionException e) { // as if it had run on this thread
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    /**
     * The engine's model for a digest in the hub; with {@link Faults#tamperWeight()} the tampered copy under the
     * real digest (so the node signs, traces and serves the lie consistently).
     */
    public LoadedModel load(Keccak256 digest) {
        InferenceEngine engine = hub.find(digest).map(engines::forModel).orElseGet(engines::defaultEngine);
        return engine.load(digest, faults.modelFile(digest, hub.file(digest), engine));
    }

    /**
     * The hub's model {@code digest} under deterministic contract {@code engineId} (a receipt's {@code engine}), to
     * re-execute or judge that receipt: the serving det engine's model when it computes that contract, else the
     * same file under the receipt's contract ({@link Engines#deterministic}), tampered as {@link #load} is. Empty
     * when the hub does not hold it for the det engine, or no deterministic engine computes {@code engineId}.
     */
    public Optional<io.verity.engine.det.DeterministicModel> deterministic(Keccak256 digest, String engineId) {
        Optional<Manifest> m = hub.find(digest);
        if (m.isEmpty() || !Manifest.FORMAT_ONNX.equals(m.get().format()) || engines.kindFor(m.get()) != io.verity.engine.EngineKind.DET) {
            return Optional.empty();
        }
        return detModel(digest, engineId);
    }

    /** The hub's file {@code digest} under deterministic contract {@code engineId}, tampered as {@link #load} is. */
    private Optional<io.verity.engine.det.DeterministicModel> detModel(Keccak256 digest, String engineId) {
        return engines.deterministic(engineId).map(e -> e.load(digest, faults.modelFile(digest, hub.file(digest), e)));
    }

    /**
     * Runs hub model {@code digest} on {@code inputs} as for a request, signing and logging nothing: the reference a
     * committee member compares an accused answer with (node.dispute.CommitteeJudge). Empty when the hub does not
     * hold the model.
     *
     * @throws Refusal INVALID_INPUT when the inputs do not fit the model, ENGINE_FAILED when the engine fails,
     *     RUN_TOO_LONG when the run was stopped at {@code --max-run-ms}
     */
    public Optional<List<Tensor>> rerun(Keccak256 digest, List<Tensor> inputs) {
        if (hub.find(digest).isEmpty()) return Optional.empty();
        return Optional.of(runUnsigned(load(digest), inputs));
    }

    /**
     * As {@link #rerun(Keccak256, List)}, as engine {@code engineId} (an accused receipt's) computes it: under that
     * deterministic contract when it names one, whichever engine this node serves the model with (the contracts are
     * exact, so every member computes the receipt's own bits), else with the engine this node serves it with.
     *
     * @throws Refusal MODEL_UNLOADABLE naming {@code engineId} when it is a deterministic contract this version does
     *     not compute, or the model cannot be loaded under it; else as {@link #rerun(Keccak256, List)}
     */
    public Optional<List<Tensor>> rerun(Keccak256 digest, String engineId, List<Tensor> inputs) {
        if (hub.find(digest).isEmpty()) return Optional.empty();
        return Optional.of(runUnsigned(loadAs(digest, engineId), inputs));
    }

    /**
     * The hub's model {@code digest} as engine {@code engineId} (an accused receipt's) computes it: under that
     * deterministic contract when it names one, else with the engine this node serves it with ({@link #load}).
     *
     * @throws Refusal MODEL_UNLOADABLE naming {@code engineId} when it is a deterministic contract this version does
     *     not compute, or the model cannot be loaded under it
     */
    public LoadedModel loadAs(Keccak256 digest, String engineId) {
        if (!engineId.startsWith(DET_ENGINES)) return load(digest);
        Optional<io.verity.engine.det.DeterministicModel> model;
        try {
            model = detModel(digest, engineId);
        } catch (EngineException e) {
            throw new Refusal(Refusal.Reason.MODEL_UNLOADABLE, engineId + " cannot load the model: " + e.getMessage(), List.of());
        }
        return model.orElseThrow(() -> new Refusal(Refusal.Reason.MODEL_UNLOADABLE,
                engineId + " is no deterministic contract this node computes", List.of()));
    }

    /** Every deterministic engine's id starts so ({@code verity-det/2}, {@code verity-det/3}). */
    private static final String DET_ENGINES = "verity-det/";

    private List<Tensor> runUnsigned(LoadedModel model, List<Tensor> inputs) {
        List<FieldError> errors = InputValidator.validate(model.schema(), inputs, config.allowNonFinite());
        if (!errors.isEmpty()) throw new Refusal(Refusal.Reason.INVALID_INPUT, errors.size() + " input error(s)", errors);
        try {
            return engines.run(model, inputs).outputs(); // evidence comes from anyone: the same --max-run-ms as a request
        } catch (EngineException e) {
            if (e.kind() == EngineException.Kind.STOPPED) throw Refusal.runTooLong(engines.maxRun());
            throw new Refusal(e.kind() == EngineException.Kind.INVALID_INPUT ? Refusal.Reason.INVALID_INPUT
                    : Refusal.Reason.ENGINE_FAILED, e.getMessage(), List.of());
        }
    }

    /**
     * Digests of the hub's models this node can serve, for its on-chain registration: a model the deterministic
     * engine is to run is loaded (once per digest) first, and one it cannot run (an operator it lacks) is left out
     * with the reason logged, so no gateway routes to a model whose every request would fail. Models for ONNX
     * Runtime are not loaded here; it loads them at their first request, as before.
     */
    public java.util.stream.Stream<Keccak256> servableModels() {
        return hub.list().stream().filter(this::servable).map(Manifest::digest);
    }

    private final java.util.Map<Keccak256, Boolean> servable = new java.util.concurrent.ConcurrentHashMap<>();

    private boolean servable(Manifest m) {
        if (!Manifest.FORMAT_ONNX.equals(m.format()) || engines.kindFor(m) != io.verity.engine.EngineKind.DET) {
            return true;
        }
        return servable.computeIfAbsent(m.digest(), d -> {
            try {
                load(d);
                return true;
            } catch (EngineException e) {
                LOG.error("model {} ({}) is not served: {}", m.ref(), d, e.getMessage());
                return false;
            }
        });
    }

    /** The node's deliberate faults, for its answers other than tensors. */
    public FaultInjector faults() {
        return faults;
    }

    public TraceStore traces() {
        return traces;
    }

    private Keccak256 randomRequestId() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Keccak256.wrap(b);
    }

    public Optional<byte[]> receipt(Keccak256 id) {
        return log.get(id);
    }

    public ModelHub hub() {
        return hub;
    }

    /** The node's default engine. */
    public InferenceEngine engine() {
        return engines.defaultEngine();
    }

    public Engines engines() {
        return engines;
    }

    public NodeIdentity identity() {
        return identity;
    }

    public int receiptCount() {
        return log.count();
    }

    public void attach(Batcher b) {
        this.batcher = b;
    }

    public void attach(PaymentChannels c) {
        this.channels = c;
        BigInteger unit = config.price();
        var tokens = config.openAi().tokenPrices();
        if (tokens.isPresent()) unit = unit.max(tokens.get().input()).max(tokens.get().output());
        if (unit.signum() > 0) {
            this.gate = new PaymentGate(c, unit, config.chain().flatMap(ChainSettings::paymentCredit));
            LOG.info("serving each payer at most {} beyond its vouchers", config.chain().flatMap(ChainSettings::paymentCredit)
                    .map(w -> w + " wei").orElse(PaymentGate.DEFAULT_CREDIT_ANSWERS + " answers"));
        }
    }

    /** The payment gate when this node charges and settles on a chain. */
    public Optional<PaymentGate> gate() {
        return Optional.ofNullable(gate);
    }

    /** The voucher channels when this node settles on a chain. */
    public Optional<PaymentChannels> channels() {
        return Optional.ofNullable(channels);
    }

    /**
     * Signs a receipt over digests the caller computed (the OpenAI routes: request and response digests) and
     * makes it durable in the receipt log, so it settles like every other.
     *
     * @throws Refusal NOT_DURABLE when the log cannot be written; the caller must then withhold the answer
     */
    public SignedReceipt signAndLog(Keccak256 requestId, Keccak256 modelDigest, String engineId, Keccak256 inputsDigest,
            Keccak256 outputsDigest, java.math.BigInteger price) {
        return signAndLog(requestId, modelDigest, engineId, inputsDigest, outputsDigest, price, null);
    }

    /**
     * {@link #signAndLog(Keccak256, Keccak256, String, Keccak256, Keccak256, java.math.BigInteger)} as a format-2
     * receipt carrying {@code served}, with the payment filled in here: the payer this request was admitted for
     * and what its vouchers held by this node cover now.
     *
     * @param served the v2 fields, or null for a v1 receipt
     */
    public SignedReceipt signAndLog(Keccak256 requestId, Keccak256 modelDigest, String engineId, Keccak256 inputsDigest,
            Keccak256 outputsDigest, java.math.BigInteger price, ReceiptV2 served) {
        Receipt receipt = new Receipt(Receipt.VERSION, requestId, modelDigest, engineId, inputsDigest, outputsDigest,
                Keccak256.ZERO, identity.address(), attestationDigest, VerificationMode.NONE, price, clock.millis());
        if (served != null) receipt = receipt.withV2(withPayment(served));
        return signLogAndCharge(receipt).receipt();
    }

    private ReceiptV2 withPayment(ReceiptV2 served) {
        PaymentGate.Ticket t = ticket.get();
        PaymentChannels c = channels;
        if (t == null || c == null) return served;
        return served.withPayment(t.payer(), c.held(t.payer())); // no chain read on the answer path
    }

    /** A receipt made durable, with the JSON the log holds for it (the answer reuses it). */
    private record Logged(SignedReceipt receipt, byte[] json) {}

    /** Signs, makes durable (or refuses with NOT_DURABLE, so the answer is withheld) and charges one receipt. */
    private Logged signLogAndCharge(Receipt receipt) {
        long t = System.nanoTime();
        SignedReceipt signed = SignedReceipt.sign(receipt, domain, identity.key());
        t = phases.since(Phase.SIGN, t);
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(ReceiptJson.write(signed));
            phases.since(Phase.RECEIPT_JSON, t);
            log.append(signed.id(), json, this::logTimes);
        } catch (IOException e) {
            LOG.error("receipt log write failed", e);
            throw new Refusal(Refusal.Reason.NOT_DURABLE, "the node could not make the receipt durable, so it withholds the "
                    + "answer; retry", List.of());
        }
        charge(signed);
        return new Logged(signed, json);
    }

    private void logTimes(ReceiptLog.AppendTimes times) {
        phases.add(Phase.LOG_QUEUE, times.queueNanos());
        phases.add(Phase.LOG_SYNC, times.syncNanos());
        phases.add(Phase.LOG_WAKE, times.wakeNanos());
    }

    /** Where the inferences' time went, phase by phase (for /metrics and the load run). */
    public InferPhases phases() {
        return phases;
    }

    /**
     * Admits the request this thread is about to serve, by its {@value PaymentGate#HEADER} header, on a node that
     * settles on a chain and charges for it; free answers (price 0) and nodes without a chain admit everyone.
     * Pair with {@link #releasePayer()}.
     *
     * @param llm whether the route is a language-model one (priced per token)
     * @throws PaymentGate.Refused when the payer may not be served (402)
     * @param proof the {@value io.verity.protocol.receipt.PayerAuth#HEADER} header: the payer's signature for this request
     * @throws Refusal BAD_PAYER when the header is not an address
     */
    public void admitPayer(String header, String proof, boolean llm) {
        releasePayer(); // request threads are pooled: a ticket a failed request left must not pay for this one
        PaymentGate g = gate;
        if (g == null) return;
        boolean charges = llm ? config.price().signum() > 0 || config.openAi().tokenPrices()
                .filter(t -> t.input().signum() > 0 || t.output().signum() > 0).isPresent() : config.price().signum() > 0;
        if (!charges) return;
        Optional<EvmAddress> payer = Optional.empty();
        if (header != null && !header.isBlank()) {
            try {
                payer = Optional.of(EvmAddress.parse(header.strip()));
            } catch (IllegalArgumentException e) {
                throw new Refusal(Refusal.Reason.BAD_PAYER, "header " + PaymentGate.HEADER
                        + " must be the paying account's 0x address (40 hex digits): " + e.getMessage(), List.of());
            }
        }
        if (payer.isPresent()) proofs.accept(payer.get(), Optional.ofNullable(proof), clock.millis());
        ticket.set(g.admit(payer));
    }

    /** Ends the request this thread served: an admitted request that signed nothing gives its reservation back. */
    public void releasePayer() {
        PaymentGate.Ticket t = ticket.get();
        if (t != null) {
            ticket.remove();
            t.close();
        }
    }

    private void charge(SignedReceipt signed) {
        PaymentGate.Ticket t = ticket.get();
        if (t != null) t.charge(signed.receipt().price());
    }

    public Keccak256 newRequestId() {
        return randomRequestId();
    }

    public NodeConfig config() {
        return config;
    }

    /** The batcher when this node settles on a chain. */
    public Optional<Batcher> batcher() {
        return Optional.ofNullable(batcher);
    }
}
