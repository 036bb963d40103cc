package io.verity.engine.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec;
import io.verity.protocol.tensor.TensorSpec.Dim;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Converts between Verity tensors and ONNX Runtime tensors. Inputs go through direct buffers in native byte
 * order (ONNX Runtime then uses the memory without a copy); outputs are copied out as raw element bytes, so
 * float16 stays float16 and no value passes through a wider type.
 */
final class OrtTensors {
    private OrtTensors() {}

    /** The Verity dtype for an ONNX Runtime element type, or null when Verity does not carry it. */
    static DType dtypeOf(OnnxTensorType t) {
        return switch (t) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DType.FLOAT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DType.FLOAT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DType.FLOAT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DType.INT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DType.INT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DType.INT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DType.UINT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DType.BOOL;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DType.STRING;
            default -> null;
        };
    }

    /**
     * Reads the graph's declared inputs or outputs.
     *
     * @throws IllegalArgumentException naming the value when it is not a tensor or its element type is not one
     *     Verity carries
     */
    static List<TensorSpec> specs(String role, Map<String, NodeInfo> infos) {
        List<TensorSpec> specs = new ArrayList<>(infos.size());
        for (Map.Entry<String, NodeInfo> e : infos.entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo info)) {
                throw new IllegalArgumentException(role + " '" + e.getKey() + "' must be a tensor, got "
                        + e.getValue().getInfo());
            }
            DType dtype = dtypeOf(info.onnxType);
            if (dtype == null) {
                throw new IllegalArgumentException(role + " '" + e.getKey() + "' has element type " + info.onnxType
                        + ", expected one of float32, float64, float16, int32, int64, int8, uint8, bool, string");
            }
            long[] shape = info.getShape();
            String[] names = info.getDimensionNames();
            List<Dim> dims = new ArrayList<>(shape.length);
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] >= 0) {
                    dims.add(new Dim.Fixed(shape[i]));
                } else {
                    String n = names != null && i < names.length && names[i] != null ? names[i] : "";
                    dims.add(new Dim.Dynamic(n));
                }
            }
            specs.add(new TensorSpec(e.getKey(), dtype, dims));
        }
        return specs;
    }

    /** A new ONNX Runtime tensor holding a copy of {@code t}; the caller closes it. */
    static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
        long[] dims = t.shape().dims();
        if (t.dtype() == DType.STRING) {
            return OnnxTensor.createTensor(env, t.strings().toArray(String[]::new), dims);
        }
        ByteBuffer le = t.data();
        ByteBuffer direct = ByteBuffer.allocateDirect(le.remaining()).order(ByteOrder.nativeOrder());
        // Typed views convert little-endian to native order element by element (a plain copy on x86/arm).
        switch (t.dtype()) {
            case FLOAT32 -> direct.asFloatBuffer().put(le.asFloatBuffer());
            case FLOAT64 -> direct.asDoubleBuffer().put(le.asDoubleBuffer());
            case INT32 -> direct.asIntBuffer().put(le.asIntBuffer());
            case INT64 -> direct.asLongBuffer().put(le.asLongBuffer());
            case FLOAT16 -> direct.asShortBuffer().put(le.asShortBuffer());
            case INT8, UINT8, BOOL -> direct.put(le).flip();
            case STRING -> throw new AssertionError("handled above");
        }
        return switch (t.dtype()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, direct.asFloatBuffer(), dims);
            case FLOAT64 -> OnnxTensor.createTensor(env, direct.asDoubleBuffer(), dims);
            case INT32 -> OnnxTensor.createTensor(env, direct.asIntBuffer(), dims);
            case INT64 -> OnnxTensor.createTensor(env, direct.asLongBuffer(), dims);
            case FLOAT16 -> OnnxTensor.createTensor(env, direct.asShortBuffer(), dims, OnnxJavaType.FLOAT16);
            case INT8 -> OnnxTensor.createTensor(env, direct, dims, OnnxJavaType.INT8);
            case UINT8 -> OnnxTensor.createTensor(env, direct, dims, OnnxJavaType.UINT8);
            case BOOL -> OnnxTensor.createTensor(env, direct, dims, OnnxJavaType.BOOL);
            case STRING -> throw new AssertionError("handled above");
        };
    }

    /**
     * Copies an ONNX Runtime output into a Verity tensor called {@code name}.
     *
     * @throws IllegalStateException when the element type is not one Verity carries
     */
    static Tensor fromOrt(String name, OnnxTensor value) throws OrtException {
        TensorInfo info = value.getInfo();
        DType dtype = dtypeOf(info.onnxType);
        if (dtype == null) {
            throw new IllegalStateException("output '" + name + "' has element type " + info.onnxType
                    + ", which Verity cannot carry");
        }
        Shape shape = Shape.of(info.getShape());
        if (dtype == DType.STRING) return Tensor.ofStrings(name, shape, flattenStrings(value.getValue(), shape));
        ByteBuffer raw = value.getByteBuffer(); // a copy in native order, element bytes exactly as ORT holds them
        raw.order(ByteOrder.nativeOrder());
        ByteBuffer le = ByteBuffer.allocate(raw.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case FLOAT32 -> le.asFloatBuffer().put(raw.asFloatBuffer());
            case FLOAT64 -> le.asDoubleBuffer().put(raw.asDoubleBuffer());
            case INT32 -> le.asIntBuffer().put(raw.asIntBuffer());
            case INT64 -> le.asLongBuffer().put(raw.asLongBuffer());
            case FLOAT16 -> le.asShortBuffer().put(raw.asShortBuffer());
            case INT8, UINT8, BOOL -> le.put(raw);
            case STRING -> throw new AssertionError("handled above");
        }
        return Tensor.ofRaw(name, dtype, shape, le.array());
    }

    /** ORT returns strings as a String (scalar) or nested String arrays; flatten in row-major order. */
    private static List<String> flattenStrings(Object value, Shape shape) {
        List<String> out = new ArrayList<>((int) Math.min(shape.elementCount(), Integer.MAX_VALUE));
        flatten(value, out);
        return out;
    }

    private static void flatten(Object value, List<String> out) {
        if (value instanceof String s) {
            out.add(s);
        } else if (value != null && value.getClass().isArray()) {
            for (int i = 0, n = Array.getLength(value); i < n; i++) flatten(Array.get(value, i), out);
        } else {
            throw new IllegalStateException("string tensor element is " + value);
        }
    }
}
