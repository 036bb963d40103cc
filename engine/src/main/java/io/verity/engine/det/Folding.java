package io.verity.engine.det;

import io.verity.engine.det.graph.Graph;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.tensor.Arr;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Constant folding, done once when a model loads: every node without a body whose inputs are all initializers,
 * Constants or values folded before it (exporters' weight re-layouts, e.g. Silero VAD's per-run Slice/Concat of
 * its LSTM gates, and shape arithmetic on constants) is executed then, on the model's interpreter, so its values
 * are the bits the node would compute in every run (kernels are functions of their inputs and attributes). Untraced
 * runs and bodies (If/Loop/Scan) skip these nodes and start from the folded values; a traced run still executes
 * every top-level node, so the trace records each node's output as before.
 */
final class Folding {
    /** Folded values no larger than this (elements) are kept: the fold trades memory for time. */
    static final int MAX_ELEMENTS = 1 << 24;

    /** For one graph: the nodes an untraced run skips, and its initializers plus the folded values others read. */
    record Folded(boolean[] skip, Map<String, Arr> start) {}

    private Folding() {}

    /** Folds graph and, recursively, every body in it. */
    static Map<Graph, Folded> of(Graph root, Interp interp) {
        Map<Graph, Folded> out = new IdentityHashMap<>();
        fold(root, null, interp, out);
        return out;
    }

    /**
     * @param outer the enclosing graph's constant values (null at the top): a body may read them, except names
     *        it defines itself, which a run looks up in the body first
     */
    private static void fold(Graph g, Interp.Scope outer, Interp interp, Map<Graph, Folded> out) {
        Set<String> local = new HashSet<>(g.initializers.keySet());
        for (var v : g.inputs) local.add(v.getName());
        for (Op n : g.nodes) local.addAll(n.outputs);
        Interp.Scope scope = new Interp.Scope(outer);
        scope.values.putAll(g.initializers);
        boolean[] skip = new boolean[g.nodes.size()];
        Set<String> produced = new HashSet<>();
        for (int ni = 0; ni < skip.length; ni++) {
            Op n = g.nodes.get(ni);
            if (!n.bodies().isEmpty()) continue;
            Arr[] in = new Arr[n.inputs.size()];
            boolean known = true;
            for (int k = 0; k < in.length && known; k++) {
                String name = n.inputs.get(k);
                if (!name.isEmpty()) known = (in[k] = local.contains(name) ? scope.values.get(name) : scope.get(name)) != null;
            }
            if (!known) continue;
            Arr[] res;
            try {
                res = interp.execute(n, in, scope);
            } catch (RuntimeException e) {
                continue; // left to the runs, which report it as they always did
            }
            boolean whole = true;
            for (int k = 0; k < n.outputs.size() && whole; k++) {
                whole = n.outputs.get(k).isEmpty() || (k < res.length && res[k] != null && res[k].size() <= MAX_ELEMENTS);
            }
            if (!whole) continue;
            for (int k = 0; k < n.outputs.size(); k++) {
                String name = n.outputs.get(k);
                if (name.isEmpty()) continue;
                scope.values.put(name, res[k]);
                produced.add(name);
            }
            skip[ni] = true;
        }
        for (Op n : g.nodes) for (Graph body : n.bodies()) fold(body, scope, interp, out);
        // keep what a node that still runs, a body or the graph's outputs read
        Map<String, Arr> start = new HashMap<>(g.initializers);
        Set<String> read = new HashSet<>(g.outputs);
        for (int ni = 0; ni < skip.length; ni++) if (!skip[ni]) read.addAll(Graph.reads(g.nodes.get(ni)));
        for (String name : produced) if (read.contains(name)) start.put(name, scope.values.get(name));
        out.put(g, new Folded(skip, Map.copyOf(start)));
    }
}
