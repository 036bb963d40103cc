package io.verity.node.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.verity.engine.det.ExecutionTrace;
import io.verity.engine.det.TraceEntry;
import io.verity.node.dispute.DisputeTraces;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.FieldError;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.merkle.TraceProof;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.wire.ProblemKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a dispute needs from the node that signed a verity-det/1 receipt (docs/deterministic-engine.md,
 * "Disputes"); a node that cannot serve these loses its disputes.
 *
 * <pre>
 * GET /v1/receipts/{id}/trace             {receiptId, traceRoot, n, engine, modelDigest}
 * GET /v1/receipts/{id}/trace/{i}         opening of entry i: {index, leafCount, name, node, previous, digest, chain, siblings[]}
 * GET /v1/receipts/{id}/trace/{i}/inputs  {index, name, node, op, inputs: [{opening, tensor}]}: the tensors the operator
 *                                         producing entry i reads (for a graph input: the request's inputs; for the
 *                                         last entry, op "verity:outputs": the graph outputs), each opened
 * </pre>
 */
final class TraceApi {
    private TraceApi() {}

    static void summary(Context ctx, DisputeTraces traces) {
        DisputeTraces.Traced t = traced(ctx, traces);
        ObjectNode body = NodeApi.JSON.createObjectNode();
        body.put("receiptId", t.receipt().id().toHex());
        body.put("traceRoot", t.trace().root().toHex());
        body.put("n", t.trace().size());
        body.put("engine", t.receipt().receipt().engine());
        body.put("modelDigest", t.receipt().receipt().modelDigest().toHex());
        NodeApi.json(ctx, body);
    }

    static void entry(Context ctx, DisputeTraces traces) {
        DisputeTraces.Traced t = traced(ctx, traces);
        int i = index(ctx, t.trace());
        NodeApi.json(ctx, opening(t.trace(), i));
    }

    static void inputs(Context ctx, DisputeTraces traces) {
        DisputeTraces.Traced t = traced(ctx, traces);
        ExecutionTrace trace = t.trace();
        int i = index(ctx, trace);
        TraceEntry e = trace.entries().get(i);
        ObjectNode body = NodeApi.JSON.createObjectNode();
        body.put("index", i);
        body.put("name", e.name());
        body.put("node", e.node());
        ArrayNode arr = body.putArray("inputs");
        if (e.node() == -1) {
            body.putNull("op");
            for (int k = 0; k < t.inputs().size(); k++) arr.add(served(trace, -1, t.inputs().get(k)));
        } else {
            body.put("op", e.isOutputs() ? TraceEntry.OUTPUTS_NAME : t.model().nodeOp(e.node()));
            List<Integer> at = new ArrayList<>();
            List<String> reads = e.isOutputs() ? t.model().outputsEntryInputs() : t.model().nodeInputs(e.node());
            for (String name : reads) at.add(latestBefore(trace, name, i));
            Map<Integer, Tensor> tensors = t.model().intermediates(t.inputs(), new TreeSet<>(at));
            for (int idx : at) arr.add(served(trace, idx, tensors.get(idx)));
        }
        NodeApi.json(ctx, body);
    }

    private static ObjectNode served(ExecutionTrace trace, int index, Tensor tensor) {
        ObjectNode o = NodeApi.JSON.createObjectNode();
        int at = index >= 0 ? index : latestBefore(trace, tensor.name(), trace.size());
        o.set("opening", opening(trace, at));
        o.set("tensor", TensorJson.writeCompact(tensor));
        return o;
    }

    static ObjectNode opening(ExecutionTrace trace, int i) {
        TraceProof p = trace.proof(i);
        TraceEntry e = trace.entries().get(i);
        ObjectNode o = NodeApi.JSON.createObjectNode();
        o.put("index", i);
        o.put("leafCount", p.leafCount());
        o.put("name", e.name());
        o.put("node", e.node());
        o.put("previous", p.previous().toHex());
        o.put("digest", p.digest().toHex());
        o.put("chain", p.chain().toHex());
        ArrayNode sib = o.putArray("siblings");
        p.siblings().forEach(s -> sib.add(s.toHex()));
        return o;
    }

    /** Values are SSA in ONNX graphs, so the name's one entry before {@code before} is the value the operator read. */
    private static int latestBefore(ExecutionTrace trace, String name, int before) {
        for (int k = before - 1; k >= 0; k--) if (trace.entries().get(k).name().equals(name)) return k;
        throw new IllegalStateException("no trace entry named '" + name + "' before " + before);
    }

    private static DisputeTraces.Traced traced(Context ctx, DisputeTraces traces) {
        Keccak256 id = NodeApi.bytes32Param(ctx, "id", "receipt id");
        return traces.traced(id).orElseThrow(() -> ProblemKind.NOT_FOUND.exception("no traced receipt " + id + " on this node (unknown, or not signed with the deterministic engine)"));
    }

    private static int index(Context ctx, ExecutionTrace trace) {
        String raw = ctx.pathParam("i");
        int i;
        try {
            i = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            i = -1;
        }
        if (i < 0 || i >= trace.size()) {
            throw ProblemKind.INVALID_REQUEST.exception("trace index out of range",
                    List.of(new FieldError("/i", "must be an integer in [0, " + (trace.size() - 1) + "], got " + raw)));
        }
        return i;
    }
}
