package io.verity.engine.det;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds small ONNX models with the protobuf builders, for tests. */
final class OnnxBuilder {
    final GraphProto.Builder g = GraphProto.newBuilder().setName("test");
    int opset = 17;

    OnnxBuilder input(String name, int elemType, long... dims) {
        g.addInput(value(name, elemType, dims));
        return this;
    }

    OnnxBuilder output(String name, int elemType) {
        g.addOutput(ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType))));
        return this;
    }

    static ValueInfoProto value(String name, int elemType, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s)))
                .build();
    }

    OnnxBuilder floats(String name, long[] dims, float... v) {
        TensorProto.Builder t = initializer(name, 1, dims);
        for (float x : v) t.addFloatData(x);
        return this;
    }

    OnnxBuilder longs(String name, long[] dims, long... v) {
        TensorProto.Builder t = initializer(name, 7, dims);
        for (long x : v) t.addInt64Data(x);
        return this;
    }

    /** A new initializer of this ONNX data type and shape, for the caller to fill with values. */
    private TensorProto.Builder initializer(String name, int dataType, long[] dims) {
        TensorProto.Builder t = g.addInitializerBuilder().setName(name).setDataType(dataType);
        for (long d : dims) t.addDims(d);
        return t;
    }

    NodeProto.Builder node(String op, String[] in, String[] out) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + g.getNodeCount());
        for (String s : in) n.addInput(s);
        for (String s : out) n.addOutput(s);
        return n;
    }

    OnnxBuilder add(NodeProto.Builder n) {
        g.addNode(n);
        return this;
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("verity-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(g).build();
    }

    /** Writes the model to a temp file; returns it with its keccak digest. */
    record Written(Path file, Keccak256 digest) {}

    Written write(Path dir) throws IOException {
        byte[] b = model().toByteArray();
        Path f = Files.createTempFile(dir, "model", ".onnx");
        Files.write(f, b);
        return new Written(f, Keccak256.hash(b));
    }
}
