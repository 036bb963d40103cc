package io.verity.node.dispute;

import io.verity.engine.det.DeterministicModel;
import io.verity.engine.det.TraceEntry;
import io.verity.protocol.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Which value each trace entry of a model holds, known from the graph alone: the graph inputs in schema order,
 * then every non-empty output of every top-level node in graph order (the engine executes in that order), and
 * last the outputs entry ({@link TraceEntry#OUTPUTS_NODE}: tensorsDigest of the graph outputs). A
 * referee checks the node's claim "entry i is output X of node k" against this, so a node cannot pass off a
 * correct value of another operator as entry i.
 */
public final class TraceLayout {
    /** @param node -1 for a graph input, {@link TraceEntry#OUTPUTS_NODE} for the last entry */
    public record Slot(int node, String name) {}

    private TraceLayout() {}

    public static List<Slot> of(DeterministicModel model) {
        List<Slot> slots = new ArrayList<>();
        for (TensorSpec in : model.schema().inputs()) slots.add(new Slot(-1, in.name()));
        for (int k = 0; k < model.nodeCount(); k++) {
            for (String out : model.nodeOutputs(k)) if (!out.isEmpty()) slots.add(new Slot(k, out));
        }
        slots.add(new Slot(TraceEntry.OUTPUTS_NODE, TraceEntry.OUTPUTS_NAME));
        return slots;
    }
}
