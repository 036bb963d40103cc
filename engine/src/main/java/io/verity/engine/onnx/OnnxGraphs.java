package io.verity.engine.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.verity.engine.EngineException;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.TensorSpec;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads an ONNX file's declared I/O schema, opset imports and producer without loading it into an engine.
 *
 * <p>The file is walked as a protobuf stream with the {@code ai.onnx.proto.OnnxMl} classes shipped in
 * tribuo-util-onnx: only the graph's inputs, outputs and initializer names are decoded, and the weight bytes
 * are skipped, so memory stays small for large models. Graph inputs that are also initializers (IR
 * versions before 4 list every weight as an input) are not part of the schema.
 *
 * <p>Every failure is an {@link EngineException} of kind {@link EngineException.Kind#INVALID_MODEL} whose
 * one-line message names the file and what was wrong; protobuf exceptions never escape.
 */
public final class OnnxGraphs {
    // Field numbers from onnx.proto3 (ModelProto, GraphProto, TensorProto, SparseTensorProto).
    private static final int MODEL_IR_VERSION = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int MODEL_PRODUCER_NAME = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int MODEL_PRODUCER_VERSION = tag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int MODEL_GRAPH = tag(7, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int MODEL_OPSET_IMPORT = tag(8, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int GRAPH_INITIALIZER = tag(5, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int GRAPH_INPUT = tag(11, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int GRAPH_OUTPUT = tag(12, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int GRAPH_SPARSE_INITIALIZER = tag(15, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int TENSOR_NAME = tag(8, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int SPARSE_TENSOR_VALUES = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);

    private OnnxGraphs() {}

    /**
     * The graph's inputs (minus initializers) and outputs.
     *
     * @throws EngineException of kind INVALID_MODEL when the file is missing, not an ONNX model, or declares an
     *     input or output Verity cannot carry (a non-tensor type, an element type outside {@link DType})
     */
    public static ModelSchema readSchema(Path file) {
        return read(file).schema();
    }

    /**
     * Schema plus IR version, producer and opset imports.
     *
     * @throws EngineException as {@link #readSchema(Path)}
     */
    public static OnnxGraphInfo read(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new EngineException(EngineException.Kind.INVALID_MODEL, "model file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new EngineException(
                    EngineException.Kind.INVALID_MODEL, "cannot read model file " + file + ": " + e.getMessage(), e);
        }
    }

    static OnnxGraphInfo read(InputStream in, String where) throws IOException {
        CodedInputStream cin = CodedInputStream.newInstance(in);
        cin.setSizeLimit(Integer.MAX_VALUE);
        long irVersion = 0;
        String producerName = "";
        String producerVersion = "";
        Map<String, Long> opsets = new TreeMap<>();
        GraphParts graph = null;
        try {
            for (int tag = cin.readTag(); tag != 0; tag = cin.readTag()) {
                if (tag == MODEL_IR_VERSION) {
                    irVersion = cin.readInt64();
                } else if (tag == MODEL_PRODUCER_NAME) {
                    producerName = cin.readString();
                } else if (tag == MODEL_PRODUCER_VERSION) {
                    producerVersion = cin.readString();
                } else if (tag == MODEL_OPSET_IMPORT) {
                    OnnxMl.OperatorSetIdProto op = OnnxMl.OperatorSetIdProto.parseFrom(cin.readBytes());
                    String domain = op.getDomain().isEmpty() ? OnnxGraphInfo.DEFAULT_DOMAIN : op.getDomain();
                    opsets.put(domain, op.getVersion());
                } else if (tag == MODEL_GRAPH) {
                    if (graph == null) graph = new GraphParts();
                    readGraph(cin, graph); // a repeated message field merges, as protobuf does
                } else if (!cin.skipField(tag)) {
                    throw invalid(where, "not an ONNX model (unexpected end-group tag in the ModelProto)");
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new EngineException(EngineException.Kind.INVALID_MODEL,
                    where + ": not an ONNX model (the bytes are not a valid ModelProto: " + e.getMessage() + ")", e);
        }
        if (graph == null) {
            throw invalid(where, irVersion == 0
                    ? "not an ONNX model (no ir_version and no graph)"
                    : "not an ONNX model (it has no graph)");
        }
        if (irVersion < 1) throw invalid(where, "ir_version must be >= 1, got " + irVersion);
        List<TensorSpec> inputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto vi : graph.inputs) {
            if (!graph.initializers.contains(vi.getName())) inputs.add(spec(where, "input", inputs.size(), vi));
        }
        List<TensorSpec> outputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto vi : graph.outputs) outputs.add(spec(where, "output", outputs.size(), vi));
        return new OnnxGraphInfo(irVersion, producerName, producerVersion, opsets, new ModelSchema(inputs, outputs));
    }

    private static final class GraphParts {
        final List<OnnxMl.ValueInfoProto> inputs = new ArrayList<>();
        final List<OnnxMl.ValueInfoProto> outputs = new ArrayList<>();
        final Set<String> initializers = new HashSet<>();
    }

    private static void readGraph(CodedInputStream cin, GraphParts parts) throws IOException {
        int limit = cin.pushLimit(cin.readRawVarint32());
        while (!cin.isAtEnd()) {
            int tag = cin.readTag();
            if (tag == GRAPH_INPUT) {
                parts.inputs.add(OnnxMl.ValueInfoProto.parseFrom(cin.readBytes()));
            } else if (tag == GRAPH_OUTPUT) {
                parts.outputs.add(OnnxMl.ValueInfoProto.parseFrom(cin.readBytes()));
            } else if (tag == GRAPH_INITIALIZER) {
                parts.initializers.add(readTensorName(cin));
            } else if (tag == GRAPH_SPARSE_INITIALIZER) {
                parts.initializers.add(readSparseTensorName(cin));
            } else if (!cin.skipField(tag)) {
                throw new InvalidProtocolBufferException("unexpected end-group tag in the GraphProto");
            }
        }
        cin.popLimit(limit);
    }

    /** A TensorProto's name, skipping its data (which may be most of the file). */
    private static String readTensorName(CodedInputStream cin) throws IOException {
        return readOne(cin, TENSOR_NAME, CodedInputStream::readString, "TensorProto");
    }

    /** A sparse initializer is named by its values tensor. */
    private static String readSparseTensorName(CodedInputStream cin) throws IOException {
        return readOne(cin, SPARSE_TENSOR_VALUES, OnnxGraphs::readTensorName, "SparseTensorProto");
    }

    private interface FieldReader {
        String read(CodedInputStream cin) throws IOException;
    }

    /** One field of the length-delimited message at cin (the last if repeated, "" if absent), skipping the rest. */
    private static String readOne(CodedInputStream cin, int field, FieldReader reader, String message) throws IOException {
        int limit = cin.pushLimit(cin.readRawVarint32());
        String value = "";
        while (!cin.isAtEnd()) {
            int tag = cin.readTag();
            if (tag == field) {
                value = reader.read(cin);
            } else if (!cin.skipField(tag)) {
                throw new InvalidProtocolBufferException("unexpected end-group tag in a " + message);
            }
        }
        cin.popLimit(limit);
        return value;
    }

    private static TensorSpec spec(String where, String role, int index, OnnxMl.ValueInfoProto vi) {
        String name = vi.getName();
        if (name.isEmpty()) throw invalid(where, role + " #" + index + " has no name");
        OnnxMl.TypeProto type = vi.getType();
        if (type.getValueCase() != OnnxMl.TypeProto.ValueCase.TENSOR_TYPE) {
            throw invalid(where, role + " '" + name + "' is of type " + typeName(type.getValueCase())
                    + ", expected a tensor");
        }
        OnnxMl.TypeProto.Tensor tensor = type.getTensorType();
        int code = tensor.getElemType();
        DType dtype = DType.fromOnnxCode(code);
        if (dtype == null) {
            throw invalid(where, role + " '" + name + "' has element type " + onnxTypeName(code) + " (" + code
                    + "), expected one of " + Arrays.stream(DType.values())
                            .map(DType::wireName)
                            .collect(Collectors.joining(", ")));
        }
        if (!tensor.hasShape()) {
            // TensorSpec has no way to say "rank unknown", and guessing a scalar would mislead validation.
            throw invalid(where, role + " '" + name + "' declares no shape (unknown rank), expected a shape");
        }
        List<TensorSpec.Dim> dims = new ArrayList<>();
        for (OnnxMl.TensorShapeProto.Dimension d : tensor.getShape().getDimList()) {
            dims.add(switch (d.getValueCase()) {
                case DIM_VALUE -> {
                    if (d.getDimValue() < 0) {
                        throw invalid(where, role + " '" + name + "' dim " + dims.size() + " must be >= 0, got "
                                + d.getDimValue());
                    }
                    yield new TensorSpec.Dim.Fixed(d.getDimValue());
                }
                case DIM_PARAM -> new TensorSpec.Dim.Dynamic(d.getDimParam());
                case VALUE_NOT_SET -> new TensorSpec.Dim.Dynamic("");
            });
        }
        return new TensorSpec(name, dtype, dims);
    }

    private static String typeName(OnnxMl.TypeProto.ValueCase c) {
        return switch (c) {
            case TENSOR_TYPE -> "tensor";
            case SEQUENCE_TYPE -> "sequence";
            case MAP_TYPE -> "map";
            case OPTIONAL_TYPE -> "optional";
            case SPARSE_TENSOR_TYPE -> "sparse tensor";
            case OPAQUE_TYPE -> "opaque";
            case VALUE_NOT_SET -> "(none)";
        };
    }

    private static String onnxTypeName(int code) {
        OnnxMl.TensorProto.DataType t = OnnxMl.TensorProto.DataType.forNumber(code);
        return t == null ? "unknown" : t.name();
    }

    private static EngineException invalid(String where, String what) {
        return new EngineException(EngineException.Kind.INVALID_MODEL, where + ": " + what);
    }

    private static int tag(int field, int wireType) {
        return field << 3 | wireType;
    }
}
