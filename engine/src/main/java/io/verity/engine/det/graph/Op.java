package io.verity.engine.det.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One operator application: its op type, the opset it was written against, value names and attributes. */
public final class Op {
    public final String name;
    public final String op;
    public final int opset;
    public final List<String> inputs;
    public final List<String> outputs;
    private final Map<String, AttributeProto> attrs = new HashMap<>();
    final Map<String, Graph> subgraphs = new HashMap<>();
    /** A kernel's per-node constant (e.g. Constant's decoded value); written once, racy-but-idempotent. */
    public volatile Object cache;

    Op(NodeProto p, int opset, Map<String, Integer> opsets) {
        this.name = p.getName();
        this.op = p.getOpType();
        this.opset = opset;
        this.inputs = List.copyOf(p.getInputList());
        this.outputs = List.copyOf(p.getOutputList());
        for (AttributeProto a : p.getAttributeList()) {
            attrs.put(a.getName(), a);
            if (a.hasG()) subgraphs.put(a.getName(), Graph.compile(a.getG(), opsets));
        }
    }

    public String describe() {
        return op + (name.isEmpty() ? "" : " '" + name + "'");
    }

    public boolean has(String attr) {
        return attrs.containsKey(attr);
    }

    public long i(String attr, long def) {
        AttributeProto a = attrs.get(attr);
        return a == null ? def : a.getI();
    }

    public float f(String attr, float def) {
        AttributeProto a = attrs.get(attr);
        return a == null ? def : a.getF();
    }

    public String s(String attr, String def) {
        AttributeProto a = attrs.get(attr);
        return a == null ? def : a.getS().toStringUtf8();
    }

    /** @return the ints attribute, or null when absent */
    public long[] ints(String attr) {
        AttributeProto a = attrs.get(attr);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    public float[] floats(String attr) {
        AttributeProto a = attrs.get(attr);
        if (a == null) return null;
        float[] out = new float[a.getFloatsCount()];
        for (int k = 0; k < out.length; k++) out[k] = a.getFloats(k);
        return out;
    }

    public List<String> strings(String attr) {
        AttributeProto a = attrs.get(attr);
        if (a == null) return null;
        return a.getStringsList().stream().map(b -> b.toStringUtf8()).toList();
    }

    public AttributeProto raw(String attr) {
        return attrs.get(attr);
    }

    /** The graphs in this node's attributes (If's branches, Loop's and Scan's body); empty for most nodes. */
    public java.util.Collection<Graph> bodies() {
        return subgraphs.values();
    }

    public Graph graph(String attr) {
        Graph g = subgraphs.get(attr);
        if (g == null) throw new OpException(this, "attribute '" + attr + "' (a graph) is missing");
        return g;
    }
}
