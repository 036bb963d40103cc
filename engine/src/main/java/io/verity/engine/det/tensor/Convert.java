package io.verity.engine.det.tensor;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Conversions at the engine boundary: ONNX TensorProto and Verity Tensor to and from {@link Arr}. */
public final class Convert {
    private Convert() {}

    public static Arr fromProto(TensorProto p) {
        DType t = DType.fromOnnxCode(p.getDataType());
        String name = p.getName().isEmpty() ? "<unnamed>" : p.getName();
        if (t == null || t == DType.STRING) {
            throw new UnsupportedOperationException("tensor '" + name + "' has ONNX data type " + p.getDataType()
                    + ", expected one of float32, float64, float16, int64, int32, int8, uint8, bool");
        }
        if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new UnsupportedOperationException("tensor '" + name + "' uses external data, which is not supported");
        }
        int[] shape = new int[p.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            if (p.getDims(i) < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension: " + p.getDimsList());
            }
            shape[i] = Math.toIntExact(p.getDims(i));
        }
        int n = Arr.size(shape);
        if (!p.getRawData().isEmpty()) {
            ByteBuffer b = p.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return fromLittleEndian(t, shape, b, name);
        }
        // Before allocating: the dims alone must not size an array (a few bytes of file could ask for gigabytes),
        // and reading past the values the file carries was an IndexOutOfBoundsException.
        int have = switch (t) {
            case FLOAT32 -> p.getFloatDataCount();
            case FLOAT64 -> p.getDoubleDataCount();
            case INT64 -> p.getInt64DataCount();
            default -> p.getInt32DataCount();
        };
        if (have != n) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + have);
        }
        return switch (t) {
            case FLOAT32 -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = p.getFloatData(i);
                yield Arr.floats(shape, f);
            }
            case FLOAT64 -> {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = p.getDoubleData(i);
                yield Arr.doubles(shape, d);
            }
            case INT64 -> {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = p.getInt64Data(i);
                yield Arr.longs(t, shape, l);
            }
            case FLOAT16 -> { // float16 bits are carried in int32_data, one element each
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = p.getInt32Data(i) & 0xFFFF;
                yield Arr.halves(shape, l);
            }
            default -> { // int32, int8, uint8, bool are carried in int32_data
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = Arr.wrap(t, p.getInt32Data(i));
                yield Arr.longs(t, shape, l);
            }
        };
    }

    public static Arr fromTensor(Tensor t) {
        long[] dims = t.shape().dims();
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = Math.toIntExact(dims[i]);
        if (t.dtype() == DType.STRING) {
            throw new UnsupportedOperationException("input '" + t.name() + "' is " + t.dtype().wireName()
                    + ", expected one of float32, float64, float16, int64, int32, int8, uint8, bool");
        }
        return fromLittleEndian(t.dtype(), shape, t.data(), t.name());
    }

    private static Arr fromLittleEndian(DType t, int[] shape, ByteBuffer b, String name) {
        int n = Arr.size(shape);
        long need = (long) n * t.byteSize();
        if (b.remaining() != need) {
            throw new IllegalArgumentException("tensor '" + name + "': shape needs " + need + " bytes, got " + b.remaining());
        }
        switch (t) {
            case FLOAT32: {
                float[] f = new float[n];
                b.asFloatBuffer().get(f);
                return Arr.floats(shape, f);
            }
            case FLOAT64: {
                double[] d = new double[n];
                b.asDoubleBuffer().get(d);
                return Arr.doubles(shape, d);
            }
            case INT64: {
                long[] l = new long[n];
                b.asLongBuffer().get(l);
                return Arr.longs(t, shape, l);
            }
            case FLOAT16: {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = b.getShort() & 0xFFFF;
                return Arr.halves(shape, l);
            }
            case INT32: {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = b.getInt();
                return Arr.longs(t, shape, l);
            }
            default: {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) l[i] = Arr.wrap(t, b.get());
                return Arr.longs(t, shape, l);
            }
        }
    }

    static byte[] littleEndian(Arr a) {
        int n = a.size();
        ByteBuffer b = ByteBuffer.allocate(n * a.dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (a.dtype) {
            case FLOAT32 -> b.asFloatBuffer().put(a.f);
            case FLOAT64 -> b.asDoubleBuffer().put(a.d);
            case INT64 -> b.asLongBuffer().put(a.l);
            case INT32 -> {
                for (long v : a.l) b.putInt((int) v);
            }
            case FLOAT16 -> {
                for (long v : a.l) b.putShort((short) v);
            }
            default -> {
                for (long v : a.l) b.put((byte) v);
            }
        }
        return b.array();
    }

    public static Tensor toTensor(String name, Arr a) {
        long[] dims = new long[a.shape.length];
        for (int i = 0; i < dims.length; i++) dims[i] = a.shape[i];
        return Tensor.ofRaw(name, a.dtype, Shape.of(dims), littleEndian(a));
    }
}
