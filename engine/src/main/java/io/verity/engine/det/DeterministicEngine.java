package io.verity.engine.det;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.verity.engine.EngineException;
import io.verity.engine.InferenceEngine;
import io.verity.engine.det.graph.Arithmetic;
import io.verity.engine.det.graph.Graph;
import io.verity.engine.det.tensor.Parallel;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The deterministic pure-Java ONNX interpreter, id {@value #ID}: the same model and inputs give the same
 * output bits on every JVM, CPU and thread count (see package-info for the arithmetic contract). Each run
 * also commits to a Merkle root over the digests of every intermediate tensor ({@link DeterministicModel#trace}).
 *
 * <pre>{@code
 * try (DeterministicEngine engine = DeterministicEngine.create()) {
 *     LoadedModel m = engine.load(digest, path);
 *     Inference out = m.run(inputs);   // out.traceRoot() goes into the receipt
 * }
 * }</pre>
 */
public final class DeterministicEngine implements InferenceEngine {
    /**
     * Engine id that goes into receipts; the thread count is not part of it because it cannot change results.
     * /2: the arithmetic of /1, and the trace ends with the outputs entry ({@link TraceEntry#OUTPUTS_NODE}), so
     * /1 trace roots are not reproducible by this engine.
     */
    public static final String ID = "verity-det/2";
    /**
     * The faster contract: as /2 except that MatMul, Gemm, Conv and kernel-equals-stride ConvTranspose sum in
     * float32 with one exactly-rounded fused multiply-add per term in ascending order (package-info). What nodes
     * sign by default ({@link #create(int, boolean, String)}); /2 stays what {@link #create()} computes, so /2
     * receipts stay reproducible.
     */
    public static final String ID_V3 = "verity-det/3";

    private final Parallel par;
    private final boolean tracing;
    private final Arithmetic arithmetic;
    private final Map<Keccak256, DeterministicModel> models = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private DeterministicEngine(Parallel par, boolean tracing, Arithmetic arithmetic) {
        this.par = par;
        this.tracing = tracing;
        this.arithmetic = arithmetic;
    }

    /** Uses every available processor and records execution traces. */
    public static DeterministicEngine create() {
        return create(Runtime.getRuntime().availableProcessors(), true);
    }

    /**
     * @param threads size of the engine's own kernel pool, including the calling thread
     * @param tracing whether {@code run} computes the trace root (costs one keccak pass over every
     *     intermediate tensor); without it receipts carry a zero traceRoot
     * @throws IllegalArgumentException when threads is below 1
     */
    public static DeterministicEngine create(int threads, boolean tracing) {
        return create(threads, tracing, ID);
    }

    /**
     * @param engineId {@link #ID} or {@link #ID_V3}: the contract computed, and the id receipts carry
     * @throws IllegalArgumentException when threads is below 1 or the id is neither
     */
    public static DeterministicEngine create(int threads, boolean tracing, String engineId) {
        return new DeterministicEngine(new Parallel(threads), tracing, arithmetic(engineId));
    }

    /**
     * Whether {@code engineId} (a receipt's {@code engine}) is a contract this engine computes: exactly the ids
     * {@link #create(int, boolean, String)} accepts. Re-executing or judging a receipt asks this first, so an id of
     * another engine or of a newer contract is refused by name rather than recomputed with the wrong arithmetic.
     */
    public static boolean computes(String engineId) {
        return find(engineId) != null;
    }

    /**
     * The contract an operator names: {@code 2}, {@code 3} or the full id ({@code verity-det/3}).
     *
     * @return the engine id ({@link #ID} or {@link #ID_V3})
     * @throws IllegalArgumentException naming what is accepted and what arrived
     */
    public static String parseContract(String value) {
        String v = value == null ? "" : value.strip();
        Arithmetic a = find(v.startsWith("verity-det/") ? v : "verity-det/" + v);
        if (a == null) {
            throw new IllegalArgumentException("deterministic contract must be 2 or 3 (" + ID + ", " + ID_V3 + "), got "
                    + (value == null ? "null" : "'" + value + "'"));
        }
        return a.id();
    }

    private static Arithmetic find(String engineId) {
        for (Arithmetic a : Arithmetic.values()) if (a.id().equals(engineId)) return a;
        return null;
    }

    private static Arithmetic arithmetic(String engineId) {
        Arithmetic a = find(engineId);
        if (a == null) throw new IllegalArgumentException("unknown deterministic engine id '" + engineId + "', expected " + ID + " or " + ID_V3);
        return a;
    }

    /** For tests: split every loop however small, to exercise the parallel paths. */
    static DeterministicEngine splittingEverything(int threads) {
        return splittingEverything(threads, ID);
    }

    static DeterministicEngine splittingEverything(int threads, String engineId) {
        return new DeterministicEngine(new Parallel(threads, 1), true, arithmetic(engineId));
    }

    /** The operator types (default ONNX domain) this engine implements. */
    public static Set<String> supportedOperators() {
        return Ops.supported();
    }

    @Override
    public String id() {
        return arithmetic.id();
    }

    /**
     * @throws EngineException INVALID_MODEL when the file is not ONNX, uses an operator outside
     *     {@link #supportedOperators()}, a non-default domain, external data or an unsupported data type
     */
    @Override
    public DeterministicModel load(Keccak256 digest, Path file) {
        if (closed) throw new IllegalStateException("engine is closed");
        DeterministicModel have = models.get(digest);
        if (have != null) return have;
        DeterministicModel m = parse(digest, file);
        DeterministicModel prev = models.putIfAbsent(digest, m);
        return prev != null ? prev : m;
    }

    private DeterministicModel parse(Keccak256 digest, Path file) {
        ModelProto proto;
        try {
            proto = ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new EngineException(EngineException.Kind.INVALID_MODEL, file + " is not an ONNX model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new EngineException(EngineException.Kind.INVALID_MODEL, "cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, Integer> opsets = new HashMap<>();
        for (OperatorSetIdProto o : proto.getOpsetImportList()) {
            String d = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
            opsets.put(d, (int) o.getVersion());
        }
        if (!opsets.containsKey("")) opsets.put("", 1);
        Set<String> unsupported = new TreeSet<>();
        collectUnsupported(proto.getGraph(), unsupported);
        if (!unsupported.isEmpty()) {
            throw new EngineException(EngineException.Kind.INVALID_MODEL, file.getFileName() + " uses operators that "
                    + arithmetic.id() + " does not support: " + unsupported);
        }
        for (var v : proto.getGraph().getInputList()) checkType(file, "input", v);
        for (var v : proto.getGraph().getOutputList()) checkType(file, "output", v);
        try {
            Graph g = Graph.compile(proto.getGraph(), opsets);
            return new DeterministicModel(digest, g, proto.getGraph().getOutputList(), new Interp(par, arithmetic, g), tracing);
        } catch (RuntimeException e) {
            throw new EngineException(EngineException.Kind.INVALID_MODEL, file.getFileName() + " cannot be loaded by "
                    + arithmetic.id() + ": " + e.getMessage(), e);
        }
    }

    private static void checkType(Path file, String what, ai.onnx.proto.OnnxMl.ValueInfoProto v) {
        int code = v.getType().hasTensorType() ? v.getType().getTensorType().getElemType() : -1;
        var t = io.verity.protocol.tensor.DType.fromOnnxCode(code);
        if (t == null || t == io.verity.protocol.tensor.DType.STRING) {
            throw new EngineException(EngineException.Kind.INVALID_MODEL, file.getFileName() + ": " + what + " '" + v.getName()
                    + "' has ONNX data type " + code + " (" + (code < 0 ? "not a tensor" : t == null ? "unknown" : t.wireName())
                    + "), expected one of float32, float64, float16, int64, int32, int8, uint8, bool");
        }
    }

    private static void collectUnsupported(ai.onnx.proto.OnnxMl.GraphProto g, Set<String> out) {
        for (var n : g.getNodeList()) {
            boolean defaultDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            if (!defaultDomain || Ops.kernel(n.getOpType()) == null) {
                out.add(defaultDomain ? n.getOpType() : n.getDomain() + ":" + n.getOpType());
            }
            for (var a : n.getAttributeList()) {
                if (a.hasG()) collectUnsupported(a.getG(), out);
                for (var sg : a.getGraphsList()) collectUnsupported(sg, out);
            }
        }
    }

    @Override
    public void unload(Keccak256 digest) {
        models.remove(digest);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        models.clear();
        par.close();
    }
}
