package io.verity.engine.onnxruntime;

import ai.onnx.proto.OnnxMl;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds one-node ONNX models with the ONNX protobuf classes (shipped in tribuo-util-onnx), so dtype tests
 * exercise real graphs without checked-in binaries. Opset 17, IR version 8.
 */
final class TinyOnnx {
    private TinyOnnx() {}

    /** {@code y = Identity(x)}; a dim of -1 is dynamic and named {@code "n"}. */
    static byte[] identity(DType dtype, long... dims) {
        return model(node("Identity"), dtype, dtype, dims);
    }

    /** {@code y = Identity(x)} with no shape at all on x and y: any rank is allowed. */
    static byte[] identityWithoutShape(DType dtype) {
        OnnxMl.TypeProto type = OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(dtype.code())).build();
        return wrap(OnnxMl.GraphProto.newBuilder()
                .setName("noshape")
                .addNode(node("Identity"))
                .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("y").setType(type))
                .build());
    }

    /** {@code y = Cast(x, to=out)}. */
    static byte[] cast(DType in, DType out, long... dims) {
        OnnxMl.NodeProto.Builder n = node("Cast").addAttribute(OnnxMl.AttributeProto.newBuilder()
                .setName("to").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(out.code()));
        return model(n, in, out, dims);
    }

    /** {@code y = Cast(x, to=code)} with any code, including ones ONNX does not define. */
    static byte[] castToCode(DType in, int code, long... dims) {
        OnnxMl.NodeProto.Builder n = node("Cast").addAttribute(OnnxMl.AttributeProto.newBuilder()
                .setName("to").setType(OnnxMl.AttributeProto.AttributeType.INT).setI(code));
        return model(n, in, in, dims);
    }

    /** {@code y = Add(a, b)} with a[n] and b[m] both dynamic, so only the kernel sees a mismatch. */
    static byte[] addDynamic(DType dtype) {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("add")
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Add").setName("add")
                        .addInput("a").addInput("b").addOutput("y"))
                .addInput(value("a", dtype, "n"))
                .addInput(value("b", dtype, "m"))
                .addOutput(value("y", dtype, "k"))
                .build();
        return wrap(graph);
    }

    /** Writes the bytes to {@code dir/name} and returns the file. */
    static Path write(Path dir, String name, byte[] model) {
        try {
            return Files.write(dir.resolve(name), model);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Keccak256 digest(byte[] model) {
        return Keccak256.hash(model);
    }

    private static OnnxMl.NodeProto.Builder node(String op) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase()).addInput("x").addOutput("y");
    }

    private static byte[] model(OnnxMl.NodeProto.Builder node, DType in, DType out, long... dims) {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("tiny")
                .addNode(node)
                .addInput(value("x", in, dims))
                .addOutput(value("y", out, dims))
                .build();
        return wrap(graph);
    }

    private static byte[] wrap(OnnxMl.GraphProto graph) {
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("verity-engine-tests")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static OnnxMl.ValueInfoProto value(String name, DType dtype, String dimParam) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(dimParam)).build();
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(dtype.code()).setShape(shape)))
                .build();
    }

    private static OnnxMl.ValueInfoProto value(String name, DType dtype, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d < 0) dim.setDimParam("n");
            else dim.setDimValue(d);
            shape.addDim(dim);
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(dtype.code()).setShape(shape)))
                .build();
    }
}
