package io.verity.engine.det.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run of pointwise nodes after a Conv that an untraced run may apply to the Conv's fresh output in place, in one
 * pass, instead of one pass and one new array per node (the trace needs every intermediate, so traced runs execute
 * the nodes one by one). A step reads the running value and at most one other value: Add, Sub, Mul or Div with the
 * value on either side, Relu, or an exported HardSwish ({@code Add(x, c)}, {@code Clip}, {@code Mul} with x,
 * {@code Div}). Nodes without inputs (the exporter's Constants) may sit anywhere in the run; they read nothing, so
 * they may run first. Every intermediate is read by the next step alone (the HardSwish's x by its Add and its Mul),
 * so nothing else can see the values the pass does not store. Whether the other operands suit the pass (one
 * float32 element) is known only when the run executes, so the interpreter may apply a prefix of the steps.
 * (PaddleOCR v4's learnable affine blocks, {@code Mul(s, Conv(x)) + b}, around a HardSwish.)
 */
public final class Pointwise {
    private Pointwise() {}

    public enum Kind { ADD, SUB, MUL, DIV, RELU, HARD_SWISH }

    /**
     * One step: nodes at..last (a HardSwish's Add and Div with its Clip and Mul between; else at == last), and for
     * Add/Sub/Mul/Div and the HardSwish's Mul whether the running value is the left operand.
     */
    public record Step(Kind kind, int at, int last, boolean valueLeft) {}

    /** The steps after the Conv at position i, or null for none. */
    static Step[] after(List<Op> nodes, int i, Map<String, Integer> uses) {
        Op conv = nodes.get(i);
        if (!conv.op.equals("Conv") || conv.outputs.size() != 1 || conv.outputs.get(0).isEmpty()) return null;
        List<Step> steps = new ArrayList<>();
        String v = conv.outputs.get(0);
        int p = i + 1;
        while (true) {
            p = next(nodes, p);
            if (p >= nodes.size()) break;
            Op k = nodes.get(p);
            int reads = uses.getOrDefault(v, 0);
            if (!single(k)) break;
            if (reads == 1 && k.inputs.size() == 2 && k.inputs.get(0).equals(v) != k.inputs.get(1).equals(v) && binary(k.op) != null) {
                steps.add(new Step(binary(k.op), p, p, k.inputs.get(0).equals(v)));
            } else if (reads == 1 && k.op.equals("Relu") && k.inputs.equals(List.of(v))) {
                steps.add(new Step(Kind.RELU, p, p, true));
            } else if (reads == 2 && k.op.equals("Add") && k.inputs.size() == 2 && k.inputs.get(0).equals(v) && !k.inputs.get(1).equals(v)
                    && uses.getOrDefault(k.outputs.get(0), 0) == 1) {
                int c = next(nodes, p + 1), m = next(nodes, c + 1), d = next(nodes, m + 1);
                if (d >= nodes.size()) break;
                Op clip = nodes.get(c), mul = nodes.get(m), div = nodes.get(d);
                String t = clip.outputs.isEmpty() ? "" : clip.outputs.get(0);
                if (!single(clip) || !single(mul) || !single(div) || !clip.op.equals("Clip") || clip.inputs.isEmpty()
                        || !clip.inputs.get(0).equals(k.outputs.get(0)) || uses.getOrDefault(t, 0) != 1 || !mul.op.equals("Mul")
                        || !(mul.inputs.equals(List.of(v, t)) || mul.inputs.equals(List.of(t, v))) || uses.getOrDefault(mul.outputs.get(0), 0) != 1
                        || !div.op.equals("Div") || div.inputs.size() != 2 || !div.inputs.get(0).equals(mul.outputs.get(0))
                        || div.inputs.get(1).equals(mul.outputs.get(0))) {
                    break;
                }
                steps.add(new Step(Kind.HARD_SWISH, p, d, mul.inputs.get(0).equals(v)));
                p = d;
                k = div;
            } else {
                break;
            }
            v = k.outputs.get(0);
            p++;
        }
        return steps.isEmpty() ? null : steps.toArray(new Step[0]);
    }

    private static Kind binary(String op) {
        return switch (op) {
            case "Add" -> Kind.ADD;
            case "Sub" -> Kind.SUB;
            case "Mul" -> Kind.MUL;
            case "Div" -> Kind.DIV;
            default -> null;
        };
    }

    /** One named output and no body. */
    private static boolean single(Op k) {
        return k.outputs.size() == 1 && !k.outputs.get(0).isEmpty() && k.subgraphs.isEmpty();
    }

    /** The first position from p on of a node that reads something. */
    public static int next(List<Op> nodes, int p) {
        while (p < nodes.size() && nodes.get(p).inputs.isEmpty() && nodes.get(p).subgraphs.isEmpty()) p++;
        return p;
    }
}
