package io.verity.engine.det.graph;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Convert;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A compiled ONNX graph: nodes in a deterministic topological order (the file's order when it is already
 * topological, else Kahn's algorithm taking the lowest file index first), initializers decoded once, and
 * the names a subgraph reads from its enclosing scopes.
 */
public final class Graph {
    public final List<Op> nodes;
    public final Map<String, Arr> initializers;
    /** Graph inputs that are not initializers, in declaration order. */
    public final List<ValueInfoProto> inputs;
    public final List<String> outputs;
    /** Names read by this graph (or its subgraphs) but defined by neither: they come from an outer scope. */
    final Set<String> outerReads;
    /** For each node position, the values it reads for the last time (freed after it runs). */
    public final List<List<String>> dying;
    /**
     * For each node position, whether it starts an exported HardSwish, {@code Add(x, c)}, {@code Clip},
     * {@code Mul} with x, {@code Div}, in four consecutive positions whose first three outputs only the next
     * of them reads: untraced runs may compute it in one pass (the interpreter).
     */
    public final boolean[] hardSwish;
    /**
     * For each node position, how many of the following nodes an untraced run may apply in place to this
     * Conv's fresh output: 1 for a BatchNormalization that alone reads it, 2 with a Relu after that, 5 with an
     * exported HardSwish ({@link #hardSwish}) whose x is the normalised value; 0 for none. The activation
     * may come after {@link #epilogueGap} nodes without inputs (the exporter's Constants), which run first.
     */
    public final int[] epilogue;
    public final int[] epilogueGap;
    /** For each node position, the {@link Pointwise} steps an untraced run may fold into this Conv; null for none. */
    public final Pointwise.Step[][] pointwise;

    private Graph(List<Op> nodes, Map<String, Arr> inits, List<ValueInfoProto> inputs, List<String> outputs,
            Set<String> outerReads) {
        this.nodes = nodes;
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) for (String r : reads(nodes.get(i))) if (!r.isEmpty()) last.put(r, i);
        for (String o : outputs) last.remove(o);
        List<List<String>> d = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) d.add(new ArrayList<>());
        last.forEach((name, i) -> d.get(i).add(name));
        this.dying = d;
        Map<String, Integer> uses = new HashMap<>();
        for (Op n : nodes) for (String r : reads(n)) uses.merge(r, 1, Integer::sum);
        for (String o : outputs) uses.merge(o, 1, Integer::sum);
        this.hardSwish = new boolean[nodes.size()];
        for (int i = 0; i + 3 < nodes.size(); i++) hardSwish[i] = hardSwishAt(nodes.subList(i, i + 4), uses);
        this.epilogue = new int[nodes.size()];
        this.epilogueGap = new int[nodes.size()];
        for (int i = 0; i + 1 < nodes.size(); i++) {
            Op conv = nodes.get(i), bn = nodes.get(i + 1);
            if (!conv.op.equals("Conv") || !bn.op.equals("BatchNormalization") || conv.outputs.size() != 1 || bn.outputs.size() != 1
                    || bn.inputs.isEmpty() || !bn.inputs.get(0).equals(conv.outputs.get(0)) || uses.getOrDefault(conv.outputs.get(0), 0) != 1
                    || bn.i("training_mode", 0) != 0) {
                continue;
            }
            String y = bn.outputs.get(0);
            epilogue[i] = 1;
            int a = i + 2;
            while (a < nodes.size() && nodes.get(a).inputs.isEmpty() && nodes.get(a).subgraphs.isEmpty()) a++;
            Op next = a < nodes.size() ? nodes.get(a) : null;
            if (next != null && next.op.equals("Relu") && next.inputs.equals(List.of(y)) && next.outputs.size() == 1
                    && uses.getOrDefault(y, 0) == 1) {
                epilogue[i] = 2;
            } else if (next != null && hardSwish[a] && next.inputs.get(0).equals(y) && uses.getOrDefault(y, 0) == 2) {
                epilogue[i] = 5; // y's two reads are the HardSwish's Add and Mul
            }
            epilogueGap[i] = epilogue[i] > 1 ? a - (i + 2) : 0;
        }
        this.pointwise = new Pointwise.Step[nodes.size()][];
        for (int i = 0; i < nodes.size(); i++) if (epilogue[i] == 0) pointwise[i] = Pointwise.after(nodes, i, uses);
        this.initializers = inits;
        this.inputs = inputs;
        this.outputs = outputs;
        this.outerReads = outerReads;
    }

    private static boolean hardSwishAt(List<Op> n, Map<String, Integer> uses) {
        Op add = n.get(0), clip = n.get(1), mul = n.get(2), div = n.get(3);
        if (!add.op.equals("Add") || !clip.op.equals("Clip") || !mul.op.equals("Mul") || !div.op.equals("Div")) return false;
        for (Op k : n) if (k.outputs.size() != 1 || k.outputs.get(0).isEmpty() || !k.subgraphs.isEmpty()) return false;
        for (int k = 0; k < 3; k++) if (uses.getOrDefault(n.get(k).outputs.get(0), 0) != 1) return false;
        String x = add.inputs.size() == 2 ? add.inputs.get(0) : "";
        String t = clip.outputs.get(0);
        return !x.isEmpty() && !clip.inputs.isEmpty() && clip.inputs.get(0).equals(add.outputs.get(0))
                && mul.inputs.size() == 2 && (mul.inputs.equals(List.of(x, t)) || mul.inputs.equals(List.of(t, x)))
                && div.inputs.size() == 2 && div.inputs.get(0).equals(mul.outputs.get(0));
    }

    public static Graph compile(GraphProto g, Map<String, Integer> opsets) {
        Map<String, Arr> inits = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) inits.put(t.getName(), Convert.fromProto(t));
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) if (!inits.containsKey(v.getName())) inputs.add(v);
        List<Op> raw = new ArrayList<>();
        for (NodeProto p : g.getNodeList()) {
            String domain = p.getDomain().isEmpty() ? "" : p.getDomain();
            if (domain.equals("ai.onnx")) domain = "";
            Integer opset = opsets.get(domain);
            if (!domain.isEmpty() || opset == null) {
                throw new UnsupportedOperationException("operator " + p.getOpType() + " of domain '" + p.getDomain()
                        + "' is not supported: expected the default ONNX domain");
            }
            raw.add(new Op(p, opset, opsets));
        }
        Set<String> defined = new HashSet<>(inits.keySet());
        for (ValueInfoProto v : g.getInputList()) defined.add(v.getName());
        List<Op> sorted = sort(raw, defined);
        Set<String> outer = new HashSet<>();
        Set<String> seen = new HashSet<>(defined);
        for (Op n : sorted) {
            for (String in : reads(n)) if (!in.isEmpty() && !seen.contains(in)) outer.add(in);
            seen.addAll(n.outputs);
        }
        List<String> outs = g.getOutputList().stream().map(ValueInfoProto::getName).toList();
        for (String o : outs) if (!seen.contains(o)) outer.add(o);
        return new Graph(List.copyOf(sorted), inits, List.copyOf(inputs), outs, Set.copyOf(outer));
    }

    /** Explicit inputs plus whatever its subgraphs read from outside themselves. */
    public static List<String> reads(Op n) {
        if (n.subgraphs.isEmpty()) return n.inputs;
        List<String> r = new ArrayList<>(n.inputs);
        for (Graph sg : n.subgraphs.values()) r.addAll(sg.outerReads);
        return r;
    }

    private static List<Op> sort(List<Op> nodes, Set<String> defined) {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) for (String o : nodes.get(i).outputs) if (!o.isEmpty()) producer.put(o, i);
        int[] pending = new int[nodes.size()];
        List<List<Integer>> consumers = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) consumers.add(new ArrayList<>());
        for (int i = 0; i < nodes.size(); i++) {
            Set<Integer> deps = new HashSet<>();
            for (String in : reads(nodes.get(i))) {
                Integer p = producer.get(in);
                if (p != null && !defined.contains(in) && p != i) deps.add(p);
            }
            pending[i] = deps.size();
            for (int p : deps) consumers.get(p).add(i);
        }
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < nodes.size(); i++) if (pending[i] == 0) ready.add(i);
        List<Op> out = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            out.add(nodes.get(i));
            for (int c : consumers.get(i)) if (--pending[c] == 0) ready.add(c);
        }
        if (out.size() != nodes.size()) {
            throw new IllegalArgumentException("graph has a cycle: " + (nodes.size() - out.size()) + " nodes never become ready");
        }
        return out;
    }
}
