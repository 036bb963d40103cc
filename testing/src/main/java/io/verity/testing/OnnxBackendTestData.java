package io.verity.testing;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Golden vectors from outside the project: the ONNX backend test data that Debian's {@code libonnx-testdata}
 * installs under {@value #DEFAULT_ROOT} (ONNX 1.12, opset up to 17). Each case is a directory holding
 * {@code model.onnx} and {@code test_data_set_0/{input,output}_N.pb}, serialised {@code TensorProto}s that the
 * ONNX project computed with its numpy reference implementation.
 *
 * <p>The root can be overridden with the system property {@code verity.onnx.testdata}.
 */
public final class OnnxBackendTestData {
    public static final String DEFAULT_ROOT = "/usr/share/libonnx-testdata/data";

    private OnnxBackendTestData() {}

    /**
     * One backend test case: inputs named after the graph's inputs, expected outputs after its outputs.
     *
     * @param name e.g. {@code node/test_cast_FLOAT_to_FLOAT16}
     */
    public record Case(String name, Path model, List<Tensor> inputs, List<Tensor> expectedOutputs) {
        public Case {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(model, "model");
            inputs = List.copyOf(inputs);
            expectedOutputs = List.copyOf(expectedOutputs);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The data directory; fails with the package to install when it is missing. */
    public static Path root() {
        Path root = Path.of(System.getProperty("verity.onnx.testdata", DEFAULT_ROOT));
        if (!Files.isDirectory(root.resolve("node"))) {
            throw new IllegalStateException(root + "/node is missing: apt-get install libonnx-testdata");
        }
        return root;
    }

    /**
     * Loads {@code <root>/<name>/} with its first data set.
     *
     * @param name a suite and case, e.g. {@code node/test_identity}
     * @throws IllegalArgumentException when the case does not exist or holds a tensor Verity cannot carry
     */
    public static Case load(String name) {
        Path dir = root().resolve(name);
        Path model = dir.resolve("model.onnx");
        Path data = dir.resolve("test_data_set_0");
        if (!Files.isRegularFile(model) || !Files.isDirectory(data)) {
            throw new IllegalArgumentException("no ONNX backend test case '" + name + "' under " + root());
        }
        OnnxMl.GraphProto graph = readModel(model).getGraph();
        Set<String> initializers = new HashSet<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) initializers.add(t.getName());
        List<String> inputNames = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
            if (!initializers.contains(v.getName())) inputNames.add(tensorName(name, "input", v));
        }
        List<String> outputNames = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : graph.getOutputList()) outputNames.add(tensorName(name, "output", v));
        return new Case(name, model, readAll(data, "input", inputNames), readAll(data, "output", outputNames));
    }

    /** Sequences, maps and optionals are stored as other protos; Verity carries only tensors. */
    private static String tensorName(String caseName, String role, OnnxMl.ValueInfoProto v) {
        if (!v.getType().hasTensorType()) {
            throw new IllegalArgumentException(caseName + ": " + role + " '" + v.getName() + "' is a "
                    + v.getType().getValueCase() + ", not a tensor");
        }
        return v.getName();
    }

    private static List<Tensor> readAll(Path data, String prefix, List<String> names) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Path pb = data.resolve(prefix + "_" + i + ".pb");
            out.add(toTensor(names.get(i), readTensor(pb), pb.toString()));
        }
        return out;
    }

    /** Parses an ONNX model file (for reading its declared graph, independently of any engine). */
    public static OnnxMl.ModelProto readModel(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return OnnxMl.ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX model " + file, e);
        }
    }

    private static OnnxMl.TensorProto readTensor(Path pb) {
        try (InputStream in = Files.newInputStream(pb)) {
            return OnnxMl.TensorProto.parseFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TensorProto " + pb, e);
        }
    }

    /**
     * Converts a TensorProto (raw_data or the typed repeated fields) to a Verity tensor called {@code name}.
     *
     * @param where names the source in error messages
     * @throws IllegalArgumentException when the data type is not one Verity carries or the data is malformed
     */
    public static Tensor toTensor(String name, OnnxMl.TensorProto p, String where) {
        DType dtype = DType.fromOnnxCode(p.getDataType());
        if (dtype == null) {
            throw new IllegalArgumentException(where + ": data_type " + p.getDataType()
                    + " is not one Verity carries");
        }
        long[] dims = p.getDimsList().stream().mapToLong(Long::longValue).toArray();
        Shape shape = Shape.of(dims);
        if (dtype == DType.STRING) {
            List<String> s = new ArrayList<>();
            for (ByteString b : p.getStringDataList()) s.add(b.toString(StandardCharsets.UTF_8));
            return Tensor.ofStrings(name, shape, s);
        }
        if (!p.getRawData().isEmpty()) return Tensor.ofRaw(name, dtype, shape, p.getRawData().toByteArray());
        int n = Math.toIntExact(shape.elementCount());
        int have = switch (dtype) {
            case FLOAT32 -> p.getFloatDataCount();
            case FLOAT64 -> p.getDoubleDataCount();
            case INT64 -> p.getInt64DataCount();
            default -> p.getInt32DataCount();
        };
        if (have != n) {
            throw new IllegalArgumentException(where + ": shape " + shape + " needs " + n + " elements, got " + have);
        }
        ByteBuffer b = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case FLOAT32 -> p.getFloatDataList().forEach(b::putFloat);
            case FLOAT64 -> p.getDoubleDataList().forEach(b::putDouble);
            case INT64 -> p.getInt64DataList().forEach(b::putLong);
            case INT32 -> p.getInt32DataList().forEach(b::putInt);
            // The spec stores these in int32_data, one element per int (float16 as its bit pattern).
            case FLOAT16 -> p.getInt32DataList().forEach(v -> b.putShort((short) (int) v));
            case INT8, UINT8, BOOL -> p.getInt32DataList().forEach(v -> b.put((byte) (int) v));
            case STRING -> throw new AssertionError("handled above");
        }
        return Tensor.ofRaw(name, dtype, shape, b.array());
    }
}
