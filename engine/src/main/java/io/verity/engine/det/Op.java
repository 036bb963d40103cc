package io.verity.engine.det;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One operator application: its op type, the opset it was written against, value names and attributes. */
final class Op {
    final String name;
    final String op;
    final int opset;
    final List<String> inputs;
    final List<String> outputs;
    private final Map<String, AttributeProto> attrs = new HashMap<>();
    final Map<String, Graph> subgraphs = new HashMap<>();
    /** A kernel's per-node constant (e.g. Constant's decoded value); written once, racy-but-idempotent. */
    volatile Object cache;

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

    String describe() {
        return op + (name.isEmpty() ? "" : " '" + name + "'");
    }

    boolean has(String attr) {
        return attrs.containsKey(attr);
    }

    long i(String attr, long def) {
        AttributeProto a = attrs.get(attr);
        return a == null ? def : a.getI();
    }

    float f(String attr, float def) {
        AttributeProto a = attrs.get(attr);
        return a == null ? def : a.getF();
    }

    String s(String attr, String def) {
        AttributeProto a = attrs.get(attr);
        return a == null ? def : a.getS().toStringUtf8();
    }

    /** @return the ints attribute, or null when absent */
    long[] ints(String attr) {
        AttributeProto a = attrs.get(attr);
        if (a == null) return null;
        long[] out = new long[a.getIntsCount()];
        for (int k = 0; k < out.length; k++) out[k] = a.getInts(k);
        return out;
    }

    float[] floats(String attr) {
        AttributeProto a = attrs.get(attr);
        if (a == null) return null;
        float[] out = new float[a.getFloatsCount()];
        for (int k = 0; k < out.length; k++) out[k] = a.getFloats(k);
        return out;
    }

    List<String> strings(String attr) {
        AttributeProto a = attrs.get(attr);
        if (a == null) return null;
        return a.getStringsList().stream().map(b -> b.toStringUtf8()).toList();
    }

    AttributeProto raw(String attr) {
        return attrs.get(attr);
    }

    Graph graph(String attr) {
        Graph g = subgraphs.get(attr);
        if (g == null) throw new OpException(this, "attribute '" + attr + "' (a graph) is missing");
        return g;
    }
}
