package io.verity.engine.det;

import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.verity.engine.EngineException;
import io.verity.engine.Inference;
import io.verity.engine.LoadedModel;
import io.verity.engine.ModelInputs;
import io.verity.engine.RunStop;
import io.verity.engine.det.graph.Graph;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Canonical;
import io.verity.engine.det.tensor.Convert;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import io.verity.protocol.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model loaded by {@link DeterministicEngine}. Besides {@link #run}, it exposes what a dispute needs: the
 * full {@link #trace trace} with proofs, any intermediate tensor on request, and re-execution of a single
 * node from its input tensors (the referee's job). Thread-safe: runs share only immutable state.
 */
public final class DeterministicModel implements LoadedModel {
    private final Keccak256 digest;
    private final Graph graph;
    private final ModelSchema schema;
    private final Interp interp;
    private final boolean tracing;

    DeterministicModel(Keccak256 digest, Graph graph, List<ValueInfoProto> outputs, Interp interp, boolean tracing) {
        this.digest = digest;
        this.graph = graph;
        this.interp = interp;
        this.tracing = tracing;
        this.schema = new ModelSchema(graph.inputs.stream().map(DeterministicModel::spec).toList(),
                outputs.stream().map(DeterministicModel::spec).toList());
    }

    static TensorSpec spec(ValueInfoProto v) {
        var tt = v.getType().getTensorType();
        DType t = DType.fromOnnxCode(tt.getElemType());
        List<TensorSpec.Dim> dims = new ArrayList<>();
        for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
            dims.add(d.hasDimValue() ? new TensorSpec.Dim.Fixed(d.getDimValue()) : new TensorSpec.Dim.Dynamic(d.getDimParam()));
        }
        return new TensorSpec(v.getName(), t == null ? DType.FLOAT32 : t, dims);
    }

    @Override
    public Keccak256 digest() {
        return digest;
    }

    @Override
    public ModelSchema schema() {
        return schema;
    }

    /** Outputs in schema order, and the trace root when the engine traces ({@link Keccak256#ZERO} otherwise). */
    @Override
    public Inference run(List<Tensor> inputs, RunStop stop) {
        if (!tracing) return Inference.untraced(run(bind(inputs), null, stop));
        ExecutionTrace t = trace(inputs, stop);
        return new Inference(t.outputs(), t.root());
    }

    /**
     * Runs and records the digest of the graph inputs and of every node output, in execution order, then the
     * outputs entry: {@code tensorsDigest(graph outputs)} (docs/protocol.md), the receipt's outputsDigest.
     *
     * @throws EngineException INVALID_INPUT for missing, unknown or ill-shaped inputs, FAILURE otherwise
     */
    public ExecutionTrace trace(List<Tensor> inputs) {
        return trace(inputs, RunStop.NEVER);
    }

    private ExecutionTrace trace(List<Tensor> inputs, RunStop stop) {
        record Pending(String name, int node, java.util.concurrent.CompletableFuture<Keccak256> digest) {}
        List<Pending> pending = new ArrayList<>();
        Map<String, Integer> producer = producers();
        Arr[] ins = bind(inputs);
        for (int k = 0; k < ins.length; k++) {
            String name = graph.inputs.get(k).getName();
            Arr a = ins[k];
            pending.add(new Pending(name, -1, interp.par.submit(() -> Canonical.tensorDigest(name, a))));
        }
        List<Tensor> outs = run(ins, (name, a) ->
                pending.add(new Pending(name, producer.get(name), interp.par.submit(() -> Canonical.tensorDigest(name, a)))), stop);
        List<TraceEntry> entries = new ArrayList<>(pending.size());
        for (Pending p : pending) entries.add(new TraceEntry(entries.size(), p.name(), p.node(), p.digest().join()));
        entries.add(new TraceEntry(entries.size(), TraceEntry.OUTPUTS_NAME, TraceEntry.OUTPUTS_NODE, TensorDigests.tensorsDigest(outs)));
        return new ExecutionTrace(outs, entries);
    }

    /**
     * The tensor behind trace entry {@code index}, recomputed (the engine is deterministic, so it matches). The
     * last entry (the outputs entry) is a digest of several tensors, not one: ask for {@link #outputsEntryInputs}.
     */
    public Tensor intermediate(List<Tensor> inputs, int index) {
        return intermediates(inputs, java.util.Set.of(index)).get(index);
    }

    /**
     * The tensors behind several trace entries from one re-run, e.g. every input of a disputed node.
     *
     * @throws IndexOutOfBoundsException naming the valid range when an index is not in the trace
     */
    public Map<Integer, Tensor> intermediates(List<Tensor> inputs, java.util.Set<Integer> indices) {
        Arr[] ins = bind(inputs);
        Map<Integer, Tensor> found = new java.util.TreeMap<>();
        for (int k = 0; k < ins.length; k++) if (indices.contains(k)) found.put(k, Convert.toTensor(graph.inputs.get(k).getName(), ins[k]));
        int[] at = {ins.length};
        if (found.size() < indices.size()) {
            run(ins, (name, a) -> {
                if (indices.contains(at[0])) found.put(at[0], Convert.toTensor(name, a));
                at[0]++;
            }, RunStop.NEVER);
        }
        for (int i : indices) {
            if (!found.containsKey(i)) {
                throw new IndexOutOfBoundsException("trace index must be in [0, " + (at[0] - 1) + "], got " + i);
            }
        }
        return found;
    }

    /**
     * What the trace's last entry (the outputs pseudo-operator) reads: the graph outputs that are not
     * initializers, in schema order. A referee of that entry is given these tensors.
     */
    public List<String> outputsEntryInputs() {
        List<String> out = new ArrayList<>();
        for (String o : graph.outputs) if (!graph.initializers.containsKey(o) && !out.contains(o)) out.add(o);
        return out;
    }

    /**
     * Re-executes the outputs pseudo-operator, as a referee does for the trace's last entry: the tensorsDigest
     * of {@code outputs} (matched by name to {@link #outputsEntryInputs}) plus any graph output that is an
     * initializer, taken from the model.
     *
     * @throws EngineException INVALID_INPUT when a tensor is missing, unknown or given twice
     */
    public Keccak256 outputsEntryDigest(List<Tensor> outputs) {
        List<String> needed = outputsEntryInputs();
        List<Tensor> all = new ArrayList<>();
        for (Tensor t : outputs) {
            if (!needed.contains(t.name()) || all.stream().anyMatch(a -> a.name().equals(t.name()))) {
                throw new EngineException(EngineException.Kind.INVALID_INPUT, "the outputs entry reads each of " + needed
                        + " once, got '" + t.name() + "'");
            }
            all.add(t);
        }
        if (all.size() != needed.size()) {
            throw new EngineException(EngineException.Kind.INVALID_INPUT, "the outputs entry reads " + needed + ", got "
                    + all.stream().map(Tensor::name).toList());
        }
        for (String o : graph.outputs) {
            if (graph.initializers.containsKey(o)) all.add(Convert.toTensor(o, graph.initializers.get(o)));
        }
        return TensorDigests.tensorsDigest(all);
    }

    /** Number of top-level nodes; If/Loop bodies count as part of their node. */
    public int nodeCount() {
        return graph.nodes.size();
    }

    /** The op type of node {@code node}, e.g. "Conv". */
    public String nodeOp(int node) {
        return graph.nodes.get(checkNode(node)).op;
    }

    /**
     * The values node {@code node} reads and that are not initializers of the model: exactly the tensors a
     * referee must be given to re-execute it (including what an If/Loop body reads from outside).
     */
    public List<String> nodeInputs(int node) {
        List<String> out = new ArrayList<>();
        for (String r : Graph.reads(graph.nodes.get(checkNode(node)))) {
            if (!r.isEmpty() && !graph.initializers.containsKey(r) && !out.contains(r)) out.add(r);
        }
        return out;
    }

    /** The names of node {@code node}'s outputs (empty names for omitted optional outputs). */
    public List<String> nodeOutputs(int node) {
        return graph.nodes.get(checkNode(node)).outputs;
    }

    /**
     * Re-executes one node, as a dispute referee does: {@code inputs} are matched by name to
     * {@link #nodeInputs}; initializers come from the model.
     *
     * @return the node's outputs named as in the graph (omitted optional outputs are skipped)
     * @throws EngineException INVALID_INPUT when an input is missing or unknown
     */
    public List<Tensor> executeNode(int node, List<Tensor> inputs) {
        Op n = graph.nodes.get(checkNode(node));
        Interp.Scope scope = new Interp.Scope(null);
        scope.values.putAll(graph.initializers);
        List<String> needed = nodeInputs(node);
        for (Tensor t : inputs) {
            if (!needed.contains(t.name())) {
                throw new EngineException(EngineException.Kind.INVALID_INPUT, "node " + node + " (" + n.op
                        + ") does not read '" + t.name() + "', expected names from " + needed);
            }
            scope.values.put(t.name(), toArr(t));
        }
        for (String want : needed) {
            if (scope.get(want) == null) {
                throw new EngineException(EngineException.Kind.INVALID_INPUT, "node " + node + " (" + n.op
                        + ") needs input '" + want + "', which was not given");
            }
        }
        Arr[] in = new Arr[n.inputs.size()];
        for (int k = 0; k < in.length; k++) if (!n.inputs.get(k).isEmpty()) in[k] = scope.get(n.inputs.get(k));
        Arr[] out = guard(() -> interp.execute(n, in, scope));
        List<Tensor> res = new ArrayList<>();
        for (int k = 0; k < n.outputs.size(); k++) if (!n.outputs.get(k).isEmpty()) res.add(Convert.toTensor(n.outputs.get(k), out[k]));
        return res;
    }

    private int checkNode(int node) {
        if (node < 0 || node >= graph.nodes.size()) {
            throw new IndexOutOfBoundsException("node must be in [0, " + (graph.nodes.size() - 1) + "], got " + node);
        }
        return node;
    }

    private Map<String, Integer> producers() {
        Map<String, Integer> p = new HashMap<>();
        for (int i = 0; i < graph.nodes.size(); i++) for (String o : graph.nodes.get(i).outputs) p.put(o, i);
        return p;
    }

    List<Tensor> execute(List<Tensor> inputs, java.util.function.BiConsumer<String, Arr> sink) {
        return run(bind(inputs), sink, RunStop.NEVER);
    }

    private List<Tensor> run(Arr[] ins, java.util.function.BiConsumer<String, Arr> sink, RunStop stop) {
        Interp.Scope scope = new Interp.Scope(null, stop);
        for (int k = 0; k < ins.length; k++) scope.values.put(graph.inputs.get(k).getName(), ins[k]);
        Arr[] outs = guard(() -> interp.run(graph, scope, sink));
        List<Tensor> res = new ArrayList<>(outs.length);
        for (int k = 0; k < outs.length; k++) res.add(Convert.toTensor(graph.outputs.get(k), outs[k]));
        return res;
    }

    /** The inputs, checked against the schema, as arrays in the graph's input order (the schema's). */
    private Arr[] bind(List<Tensor> inputs) {
        return ModelInputs.inSchemaOrder(schema, inputs, "").stream().map(DeterministicModel::toArr).toArray(Arr[]::new);
    }

    private static Arr toArr(Tensor t) {
        try {
            return Convert.fromTensor(t);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            throw new EngineException(EngineException.Kind.INVALID_INPUT, e.getMessage(), e);
        }
    }

    /** The contract this model computes ({@link DeterministicEngine#ID} or {@link DeterministicEngine#ID_V3}): the engine id its receipts carry. */
    public String engineId() {
        return interp.arithmetic.id();
    }

    private <T> T guard(java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (EngineException e) { // stopped: already says what happened
            throw e;
        } catch (OpException | IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException
                | UnsupportedOperationException e) {
            throw new EngineException(EngineException.Kind.INVALID_INPUT, engineId() + " rejected the inputs: " + e.getMessage(), e);
        } catch (RuntimeException | OutOfMemoryError e) {
            throw new EngineException(EngineException.Kind.FAILURE, engineId() + " failed: " + e, e);
        }
    }
}
