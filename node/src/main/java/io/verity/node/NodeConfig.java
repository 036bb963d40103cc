package io.verity.node;

import io.verity.engine.EngineKind;
import io.verity.engine.det.DeterministicEngine;
import io.verity.http.HttpLimits;
import io.verity.node.serve.DetTrace;
import io.verity.node.receipts.ReceiptLog;
import io.verity.node.settle.ChainSettings;
import io.verity.protocol.Checks;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of one node. {@link #defaults(Path)} gives a node on 127.0.0.1 with an OS-chosen port, no chain
 * (chain id 31337 and the zero verifying contract in the receipt domain) and a free price.
 *
 * @param home where the node keeps its key, models ({@code models/}) and receipt log ({@code receipts/})
 * @param port 0 for an OS-chosen free port
 * @param http the HTTP limits (body size, idle timeout, minimum data rate, concurrent inferences); its
 *     {@code maxConcurrent} of 0 means {@link #CONCURRENT_PER_ENGINE_THREAD} per engine thread
 * @param price wei charged per inference, written into every receipt
 * @param engineThreads intra-op threads per inference in ONNX Runtime
 * @param allowNonFinite whether float inputs may carry NaN or infinities
 * @param chain settlement settings; when present the receipt domain comes from its deployment file
 *     (overriding {@code chainId} and {@code verifyingContract}), the node commits batches and accepts
 *     payment vouchers
 * @param faults test-only misbehaviour ({@link Faults#NONE} by default)
 * @param attestation TEE evidence to serve and commit to; empty (the default) means "none": no enclave
 * @param openAi the OpenAI routes' settings: provider proxy upstream, required API key, per-token prices
 * @param engine the engine for models whose manifest names none ({@code --engine}); ONNX Runtime by default
 * @param detContract the contract the deterministic engine computes and signs ({@code --det-contract}):
 *     {@link DeterministicEngine#ID_V3} by default; receipts of any contract the engine knows stay disputable
 * @param detTrace when the det engine commits to its trace ({@code --det-trace}): when challenged (default) or eagerly
 * @param maxRun how long one inference may run before the node stops it and answers 422 {@code run-too-long}
 *     ({@code --max-run-ms}); zero for no limit
 * @param receiptLogReserve bytes the receipt log reserves ahead of its appends ({@code --receipt-log-reserve-mb},
 *     {@link ReceiptLog#DEFAULT_PREALLOCATE_BYTES} by default); zero grows the file with every append
 */
public record NodeConfig(Path home, String host, int port, HttpLimits http, long chainId,
        EvmAddress verifyingContract, BigInteger price, int engineThreads, boolean allowNonFinite,
        Optional<ChainSettings> chain, Faults faults, Optional<NodeEvidence> attestation, OpenAiSettings openAi,
        EngineKind engine, String detContract, DetTrace detTrace, Duration maxRun, long receiptLogReserve) {

    public static final long DEFAULT_MAX_BODY_BYTES = HttpLimits.DEFAULT_MAX_BODY_BYTES;
    /**
     * Inference requests admitted at once per engine thread when no {@code --max-concurrent} is given: enough
     * to keep the engine busy behind a gateway's load (64 clients over three nodes) without an unbounded queue.
     */
    public static final int CONCURRENT_PER_ENGINE_THREAD = 64;
    public static final long DEVNET_CHAIN_ID = 31337;
    /**
     * How long one inference may run by default: 100 times the slowest model of the benchmarks (a few hundred ms
     * on the det engine), and below a gateway's default request timeout (30 s), so the node's 422 reaches the
     * gateway before it gives up on the node and carries the request to the next.
     */
    public static final Duration DEFAULT_MAX_RUN = Duration.ofSeconds(20);

    public NodeConfig {
        Checks.nonNull("home", home, "host", host, "http", http, "verifyingContract", verifyingContract, "price", price,
                "chain", chain, "faults", faults, "attestation", attestation, "openAi", openAi, "engine", engine,
                "detContract", detContract, "detTrace", detTrace, "maxRun", maxRun);
        if (receiptLogReserve < 0) throw new IllegalArgumentException("receiptLogReserve must be >= 0 bytes, got " + receiptLogReserve);
        if (maxRun.isNegative()) throw new IllegalArgumentException("maxRun must be >= 0 (0: no limit), got " + maxRun);
        Checks.inRange("port", port, 0, 65535);
        if (chainId <= 0) throw new IllegalArgumentException("chainId must be > 0, got " + chainId);
        if (price.signum() < 0) throw new IllegalArgumentException("price must be >= 0 wei, got " + price);
        Checks.atLeast("engineThreads", engineThreads, 1);
        if (!DeterministicEngine.computes(detContract)) {
            throw new IllegalArgumentException("detContract must be " + DeterministicEngine.ID + " or " + DeterministicEngine.ID_V3
                    + ", got '" + detContract + "'");
        }
    }

    public static NodeConfig defaults(Path home) {
        return new NodeConfig(home, "127.0.0.1", 0, HttpLimits.DEFAULT, DEVNET_CHAIN_ID, EvmAddress.ZERO,
                BigInteger.ZERO, 1, false, Optional.empty(), Faults.NONE, Optional.empty(), OpenAiSettings.NONE, EngineKind.ONNXRUNTIME,
                DeterministicEngine.ID_V3, DetTrace.ON_CHALLENGE, DEFAULT_MAX_RUN, ReceiptLog.DEFAULT_PREALLOCATE_BYTES);
    }

    public NodeConfig withHome(Path h) {
        return new NodeConfig(h, host, port, http, chainId, verifyingContract, price, engineThreads, allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public NodeConfig withPort(int p) {
        return new NodeConfig(home, host, p, http, chainId, verifyingContract, price, engineThreads, allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public NodeConfig withHost(String h) {
        return new NodeConfig(home, h, port, http, chainId, verifyingContract, price, engineThreads, allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public long maxBodyBytes() {
        return http.maxBodyBytes();
    }

    /** Inference requests admitted at once; more get 429. */
    public int maxConcurrentInferences() {
        return http.concurrentOr(CONCURRENT_PER_ENGINE_THREAD * engineThreads);
    }

    public NodeConfig withMaxBodyBytes(long n) {
        return withHttp(http.withMaxBodyBytes(n));
    }

    public NodeConfig withHttp(HttpLimits limits) {
        return new NodeConfig(home, host, port, limits, chainId, verifyingContract, price, engineThreads, allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public NodeConfig withChain(long id, EvmAddress contract) {
        return new NodeConfig(home, host, port, http, id, contract, price, engineThreads, allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public NodeConfig withPrice(BigInteger wei) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, wei, engineThreads, allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public NodeConfig withEngineThreads(int n) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, n, allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public NodeConfig withAllowNonFinite(boolean allow) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads, allow, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public NodeConfig withChainSettings(ChainSettings settings) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, Optional.of(settings), faults, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    /** Test-only: makes this node lie or dawdle, see {@link Faults}. */
    public NodeConfig withFaults(Faults f) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, chain, f, attestation, openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    /** Serves this evidence at GET /v1/attestation and puts its digest into receipts and the registry. */
    public NodeConfig withAttestation(NodeEvidence evidence) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, chain, faults, Optional.of(evidence), openAi, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    public NodeConfig withOpenAi(OpenAiSettings settings) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, chain, faults, attestation, settings, engine, detContract, detTrace, maxRun, receiptLogReserve);
    }

    /** Serves every model whose manifest names no engine of its own on {@code kind}. */
    public NodeConfig withEngine(EngineKind kind) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, chain, faults, attestation, openAi, kind, detContract, detTrace, maxRun, receiptLogReserve);
    }

    /** The deterministic contract this node's det engine computes and signs (see {@link DeterministicEngine#parseContract}). */
    public NodeConfig withDetContract(String engineId) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, chain, faults, attestation, openAi, engine, engineId, detTrace, maxRun, receiptLogReserve);
    }

    /** How long one inference may run before it is stopped; zero for no limit. */
    public NodeConfig withMaxRun(Duration limit) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, limit, receiptLogReserve);
    }

    /** When the det engine commits to its trace: {@link DetTrace#EAGER} traces every run and signs its root. */
    public NodeConfig withDetTrace(DetTrace trace) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, chain, faults, attestation, openAi, engine, detContract, trace, maxRun, receiptLogReserve);
    }

    /** How many bytes the receipt log reserves ahead of its appends; zero grows the file with every append. */
    public NodeConfig withReceiptLogReserve(long bytes) {
        return new NodeConfig(home, host, port, http, chainId, verifyingContract, price, engineThreads,
                allowNonFinite, chain, faults, attestation, openAi, engine, detContract, detTrace, maxRun, bytes);
    }
}
