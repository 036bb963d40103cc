package io.verity.engine.det;

import io.verity.engine.det.graph.Graph;
import io.verity.engine.det.graph.Kernel;
import io.verity.engine.det.graph.KernelContext;
import io.verity.engine.det.graph.Op;
import io.verity.engine.det.graph.OpException;
import io.verity.engine.det.graph.Pointwise;
import io.verity.engine.det.ops.math.Chain;
import io.verity.engine.det.ops.math.Elementwise;
import io.verity.engine.det.ops.norm.Norm;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Parallel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** Runs a compiled graph node by node in its fixed order; kernels may use {@link #par} inside a node. */
final class Interp {
    final Parallel par;
    final io.verity.engine.det.graph.Arithmetic arithmetic;
    private static final boolean DEBUG = Boolean.getBoolean("verity.det.debug");
    /** -Dverity.det.profile=true: wall time per op type, printed by {@link #printProfile} (a tuning aid). */
    static final java.util.concurrent.ConcurrentHashMap<String, Long> PROFILE =
            Boolean.getBoolean("verity.det.profile") ? new java.util.concurrent.ConcurrentHashMap<>() : null;

    static void printProfile() {
        if (PROFILE == null) return;
        PROFILE.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(12)
                .forEach(e -> System.err.printf("  %-22s %8.1f ms%n", e.getKey(), e.getValue() / 1e6));
        PROFILE.clear();
    }

    /** Per graph of the model (bodies included): what {@link Folding} computed at load. */
    private final Map<Graph, Folding.Folded> folded;

    /** An interpreter for the model whose top-level graph is root; folds its constants now. */
    Interp(Parallel par, io.verity.engine.det.graph.Arithmetic arithmetic, Graph root) {
        this.par = par;
        this.arithmetic = arithmetic;
        this.folded = Folding.of(root, this);
    }

    /** Values visible to a graph: its own, then the enclosing graph's (for If/Loop/Scan bodies). */
    static final class Scope {
        final Map<String, Arr> values = new HashMap<>();
        final Scope parent;
        /** The run's stop switch, checked before each node: a run can be stopped between any two. */
        final io.verity.engine.RunStop stop;

        Scope(Scope parent) {
            this(parent, parent == null ? io.verity.engine.RunStop.NEVER : parent.stop);
        }

        Scope(Scope parent, io.verity.engine.RunStop stop) {
            this.parent = parent;
            this.stop = stop;
        }

        Arr get(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Arr a = s.values.get(name);
                if (a != null) return a;
            }
            return null;
        }
    }

    /**
     * @param sink receives every node output, in order, as (value name, tensor); may be null
     * @return the graph outputs in declaration order
     */
    Arr[] run(Graph g, Scope scope, BiConsumer<String, Arr> sink) {
        // a traced run executes every node; others start from the values folded at load and skip their nodes
        Folding.Folded f = sink == null ? folded.get(g) : null;
        scope.values.putAll(f == null ? g.initializers : f.start());
        for (int ni = 0; ni < g.nodes.size(); ni++) {
            scope.stop.check();
            Op n = g.nodes.get(ni);
            if (f != null && f.skip()[ni]) {
                for (String dead : g.dying.get(ni)) scope.values.remove(dead);
                continue;
            }
            if (sink == null && g.epilogue[ni] > 0) {
                ni += convEpilogue(g, ni, scope) - 1;
                continue;
            }
            if (sink == null && g.pointwise[ni] != null) {
                ni += convPointwise(g, ni, scope) - 1;
                continue;
            }
            if (sink == null && g.hardSwish[ni]) {
                long t0 = PROFILE == null ? 0 : System.nanoTime();
                Arr fused = hardSwish(g, ni, scope, scope.get(n.inputs.get(0)), null);
                if (fused != null) {
                    if (PROFILE != null) PROFILE.merge("HardSwish (fused)", System.nanoTime() - t0, Long::sum);
                    scope.values.put(g.nodes.get(ni + 3).outputs.get(0), fused);
                    for (int k = ni; k < ni + 4; k++) for (String dead : g.dying.get(k)) scope.values.remove(dead);
                    ni += 3;
                    continue;
                }
            }
            Arr[] in = inputs(n, scope);
            long t0 = PROFILE == null ? 0 : System.nanoTime();
            Arr[] out = execute(n, in, scope);
            if (PROFILE != null) PROFILE.merge(n.op, System.nanoTime() - t0, Long::sum);
            if (DEBUG) System.err.println(n.describe() + " " + java.util.Arrays.toString(in) + " -> " + java.util.Arrays.toString(out));
            for (int k = 0; k < n.outputs.size(); k++) {
                String name = n.outputs.get(k);
                if (name.isEmpty()) continue;
                if (k >= out.length || out[k] == null) throw new OpException(n, "produced no output " + k + " '" + name + "'");
                scope.values.put(name, out[k]);
                if (sink != null) sink.accept(name, out[k]);
            }
            for (String dead : g.dying.get(ni)) scope.values.remove(dead);
        }
        Arr[] outs = new Arr[g.outputs.size()];
        for (int k = 0; k < outs.length; k++) {
            outs[k] = scope.get(g.outputs.get(k));
            if (outs[k] == null) throw new IllegalStateException("graph output '" + g.outputs.get(k) + "' was never produced");
        }
        return outs;
    }

    /**
     * Nodes ni..ni+3 ({@link Graph#hardSwish}) in one pass when their operands are what the fused kernel
     * takes (float32 x, one-element float32 constants that do not widen the shape); null to run them one by one.
     */
    private Arr hardSwish(Graph g, int ni, Scope scope, Arr x, float[] into) {
        Op add = g.nodes.get(ni), mul = g.nodes.get(ni + 2);
        Chain.Step h = hardSwishStep(add, g.nodes.get(ni + 1), g.nodes.get(ni + 3), mul.inputs.get(0).equals(add.inputs.get(0)), scope, x);
        if (h == null) return null;
        float[] o = into != null ? into : new float[x.f.length];
        return Arr.floats(x.shape, Elementwise.hardSwish(par, x.f, o, h.s(), h.lo(), h.hi(), h.viaDouble(), h.valueLeft(), h.d()));
    }

    /** The operands of an exported HardSwish on x as a {@link Chain} step, or null when the fused kernels do not take them. */
    private static Chain.Step hardSwishStep(Op add, Op clip, Op div, boolean xFirst, Scope scope, Arr x) {
        Arr c = scope.get(add.inputs.get(1)), d = scope.get(div.inputs.get(1));
        if (x == null || x.f == null || !scalarOf(c, x) || !scalarOf(d, x)) return null;
        float lo, hi;
        boolean viaDouble = clip.opset < 11;
        if (viaDouble) { // as Elementwise.clip: attributes read as float, compared through float64
            lo = (float) (double) clip.f("min", -Float.MAX_VALUE);
            hi = (float) (double) clip.f("max", Float.MAX_VALUE);
        } else {
            Arr mn = clip.inputs.size() > 1 && !clip.inputs.get(1).isEmpty() ? scope.get(clip.inputs.get(1)) : null;
            Arr mx = clip.inputs.size() > 2 && !clip.inputs.get(2).isEmpty() ? scope.get(clip.inputs.get(2)) : null;
            if ((mn != null && mn.size() < 1) || (mx != null && mx.size() < 1)) return null;
            lo = mn == null ? Float.NEGATIVE_INFINITY : (float) mn.getD(0);
            hi = mx == null ? Float.POSITIVE_INFINITY : (float) mx.getD(0);
        }
        return new Chain.Step(Pointwise.Kind.HARD_SWISH, c.f[0], xFirst, lo, hi, viaDouble, d.f[0]);
    }

    /**
     * Conv at ni and the longest prefix of its {@link Graph#pointwise} steps whose operands {@link Chain} takes
     * (one-element float32 values that do not widen the shape), applied in place to the Conv's output, an array
     * no other node sees. The run's input-less nodes execute first (they read nothing); those after the prefix
     * execute again in the usual loop, to the same values.
     *
     * @return how many node positions were consumed (1: the Conv alone)
     */
    private int convPointwise(Graph g, int ni, Scope scope) {
        Pointwise.Step[] steps = g.pointwise[ni];
        long t0 = PROFILE == null ? 0 : System.nanoTime();
        for (int p = ni + 1; p <= steps[steps.length - 1].last(); p++) {
            Op k = g.nodes.get(p);
            if (k.inputs.isEmpty()) store(k, execute(k, new Arr[0], scope), scope);
        }
        Op conv = g.nodes.get(ni);
        Arr y = execute(conv, inputs(conv, scope), scope)[0];
        if (y == null) throw new OpException(conv, "produced no output 0 '" + conv.outputs.get(0) + "'");
        java.util.List<Chain.Step> fused = new java.util.ArrayList<>();
        int end = ni;
        for (Pointwise.Step st : steps) {
            Op k = g.nodes.get(st.at());
            Chain.Step c;
            if (y.f == null) break;
            if (st.kind() == Pointwise.Kind.RELU) c = new Chain.Step(Pointwise.Kind.RELU, 0, true, 0, 0, false, 1);
            else if (st.kind() == Pointwise.Kind.HARD_SWISH) {
                c = hardSwishStep(k, g.nodes.get(Pointwise.next(g.nodes, st.at() + 1)), g.nodes.get(st.last()), st.valueLeft(), scope, y);
            } else {
                Arr s = scope.get(k.inputs.get(st.valueLeft() ? 1 : 0));
                c = scalarOf(s, y) ? Chain.Step.binary(st.kind(), s.f[0], st.valueLeft()) : null;
            }
            if (c == null) break;
            fused.add(c);
            end = st.last();
        }
        if (!fused.isEmpty()) Chain.apply(par, y.f, fused.toArray(new Chain.Step[0]));
        if (PROFILE != null) PROFILE.merge("Conv+pointwise (fused)", System.nanoTime() - t0, Long::sum);
        scope.values.put(g.nodes.get(end).outputs.get(0), y);
        for (int k = ni; k <= end; k++) for (String dead : g.dying.get(k)) scope.values.remove(dead);
        return end - ni + 1;
    }

    /** A node's outputs into scope. */
    private static void store(Op k, Arr[] out, Scope scope) {
        for (int j = 0; j < k.outputs.size(); j++) {
            if (k.outputs.get(j).isEmpty()) continue;
            if (j >= out.length || out[j] == null) throw new OpException(k, "produced no output " + j + " '" + k.outputs.get(j) + "'");
            scope.values.put(k.outputs.get(j), out[j]);
        }
    }

    /**
     * Conv at ni, then its {@link Graph#epilogue} (BatchNormalization, then Relu or HardSwish) applied in place
     * to the Conv's output, an array only these nodes see, so no intermediate is allocated. Each step gives its
     * kernel's bits; a step whose operands its in-place form does not take ends the epilogue there, and the
     * value so far is stored under its name for the usual kernels to go on from.
     *
     * @return how many nodes were executed (1: the Conv alone)
     */
    private int convEpilogue(Graph g, int ni, Scope scope) {
        Op conv = g.nodes.get(ni), bn = g.nodes.get(ni + 1);
        long t0 = PROFILE == null ? 0 : System.nanoTime();
        Arr y = execute(conv, inputs(conv, scope), scope)[0];
        int done = 1;
        String name = conv.outputs.get(0);
        Arr[] bnIn = new Arr[bn.inputs.size()];
        for (int k = 1; k < bnIn.length; k++) bnIn[k] = bn.inputs.get(k).isEmpty() ? null : scope.get(bn.inputs.get(k));
        if (y != null && y.f != null && Norm.batchNormInPlace(bn, y, bnIn, par)) {
            done = 2;
            name = bn.outputs.get(0);
            int kind = g.epilogue[ni], a = ni + 2 + g.epilogueGap[ni];
            for (; done < a - ni; done++) { // the Constants before the activation: they read nothing
                Op k = g.nodes.get(ni + done);
                store(k, execute(k, new Arr[0], scope), scope);
            }
            if (kind == 2) {
                float[] v = y.f;
                for (int i = 0; i < v.length; i++) v[i] = Math.max(v[i], 0f); // Relu's own expression
                done++;
                name = g.nodes.get(a).outputs.get(0);
            } else if (kind == 5 && hardSwish(g, a, scope, y, y.f) != null) {
                done += 4;
                name = g.nodes.get(a + 3).outputs.get(0);
            }
        }
        if (y == null) throw new OpException(conv, "produced no output 0 '" + name + "'");
        if (PROFILE != null) PROFILE.merge("Conv+epilogue (fused)", System.nanoTime() - t0, Long::sum);
        scope.values.put(name, y);
        for (int k = ni; k < ni + done; k++) for (String dead : g.dying.get(k)) scope.values.remove(dead);
        return done;
    }

    /** Op n's input values from scope (null for omitted optional inputs). */
    private static Arr[] inputs(Op n, Scope scope) {
        Arr[] in = new Arr[n.inputs.size()];
        for (int k = 0; k < in.length; k++) {
            String name = n.inputs.get(k);
            if (name.isEmpty()) continue;
            in[k] = scope.get(name);
            if (in[k] == null) throw new OpException(n, "input " + k + " '" + name + "' has no value");
        }
        return in;
    }

    /** A one-element float32 tensor whose broadcast against x leaves x's shape. */
    private static boolean scalarOf(Arr c, Arr x) {
        return c != null && c.f != null && c.f.length == 1 && c.rank() <= x.rank();
    }

    Arr[] execute(Op n, Arr[] in, Scope scope) {
        Kernel k = Ops.kernel(n.op);
        if (k == null) throw new OpException(n, "operator is not supported by " + arithmetic.id());
        return HalfPrecision.run(k, n, in, new Ctx(this, scope));
    }

    /** The context of one node's kernel: this interpreter's pool and the node's scope for bodies. */
    private record Ctx(Interp interp, Scope scope) implements KernelContext {
        @Override
        public Parallel par() {
            return interp.par;
        }

        @Override
        public io.verity.engine.det.graph.Arithmetic arithmetic() {
            return interp.arithmetic;
        }

        @Override
        public void checkStopped() {
            scope.stop.check();
        }

        @Override
        public Arr[] runBody(Graph body, List<String> names, Arr[] values) {
            scope.stop.check(); // a body of no nodes is an iteration too
            Scope s = new Scope(scope);
            for (int k = 0; k < names.size(); k++) if (values[k] != null) s.values.put(names.get(k), values[k]);
            return interp.run(body, s, null);
        }
    }
}
