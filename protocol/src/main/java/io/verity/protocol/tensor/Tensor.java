package io.verity.protocol.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A named, immutable tensor. Numeric and bool data is held as little-endian element bytes (the form the
 * canonical encoding hashes and ONNX Runtime reads), strings as a list. Construction checks that the data
 * length matches the shape, so every Tensor in the system is well-formed.
 */
public final class Tensor {
    private final String name;
    private final DType dtype;
    private final Shape shape;
    private final byte[] data; // null for STRING
    private final List<String> strings; // null unless STRING

    private Tensor(String name, DType dtype, Shape shape, byte[] data, List<String> strings) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor name must not be empty");
        this.name = name;
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = Objects.requireNonNull(shape, "shape");
        this.data = data;
        this.strings = strings;
        long have = dtype == DType.STRING ? strings.size() : data.length / dtype.byteSize();
        if (dtype != DType.STRING && data.length % dtype.byteSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.length
                    + " data bytes is not a whole number of " + dtype.wireName() + " elements");
        }
        if (have != shape.elementCount()) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + shape + " needs "
                    + shape.elementCount() + " elements, data has " + have);
        }
    }

    /** Raw little-endian element bytes (copied) for any non-string dtype. Bools must be 0 or 1. */
    public static Tensor ofRaw(String name, DType dtype, Shape shape, byte[] littleEndian) {
        if (dtype == DType.STRING) throw new IllegalArgumentException("use ofStrings for string tensors");
        byte[] copy = littleEndian.clone();
        if (dtype == DType.BOOL) {
            for (int i = 0; i < copy.length; i++) {
                if (copy[i] != 0 && copy[i] != 1) {
                    throw new IllegalArgumentException("tensor '" + name + "': bool element " + i + " is " + copy[i]);
                }
            }
        }
        return new Tensor(name, dtype, shape, copy, null);
    }

    public static Tensor ofFloats(String name, Shape shape, float... values) {
        ByteBuffer b = buffer(values.length * 4L);
        b.asFloatBuffer().put(values);
        return new Tensor(name, DType.FLOAT32, shape, b.array(), null);
    }

    public static Tensor ofDoubles(String name, Shape shape, double... values) {
        ByteBuffer b = buffer(values.length * 8L);
        b.asDoubleBuffer().put(values);
        return new Tensor(name, DType.FLOAT64, shape, b.array(), null);
    }

    public static Tensor ofInts(String name, Shape shape, int... values) {
        ByteBuffer b = buffer(values.length * 4L);
        b.asIntBuffer().put(values);
        return new Tensor(name, DType.INT32, shape, b.array(), null);
    }

    public static Tensor ofLongs(String name, Shape shape, long... values) {
        ByteBuffer b = buffer(values.length * 8L);
        b.asLongBuffer().put(values);
        return new Tensor(name, DType.INT64, shape, b.array(), null);
    }

    public static Tensor ofBools(String name, Shape shape, boolean... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) (values[i] ? 1 : 0);
        return new Tensor(name, DType.BOOL, shape, b, null);
    }

    public static Tensor ofStrings(String name, Shape shape, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null) throw new IllegalArgumentException("tensor '" + name + "': string " + i + " is null");
        }
        return new Tensor(name, DType.STRING, shape, null, List.copyOf(values));
    }

    private static ByteBuffer buffer(long size) {
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor too large: " + size + " bytes");
        return ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    /** The same data under another name. */
    public Tensor withName(String newName) {
        return new Tensor(newName, dtype, shape, data, strings);
    }

    /** Read-only little-endian view of the element bytes; not for string tensors. */
    public ByteBuffer data() {
        requireNumeric();
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Copy of the little-endian element bytes; not for string tensors. */
    public byte[] dataBytes() {
        requireNumeric();
        return data.clone();
    }

    public float[] floats() {
        require(DType.FLOAT32);
        float[] out = new float[data.length / 4];
        data().asFloatBuffer().get(out);
        return out;
    }

    public double[] doubles() {
        require(DType.FLOAT64);
        double[] out = new double[data.length / 8];
        data().asDoubleBuffer().get(out);
        return out;
    }

    public int[] ints() {
        require(DType.INT32);
        int[] out = new int[data.length / 4];
        data().asIntBuffer().get(out);
        return out;
    }

    public long[] longs() {
        require(DType.INT64);
        long[] out = new long[data.length / 8];
        data().asLongBuffer().get(out);
        return out;
    }

    public boolean[] bools() {
        require(DType.BOOL);
        boolean[] out = new boolean[data.length];
        for (int i = 0; i < data.length; i++) out[i] = data[i] != 0;
        return out;
    }

    public List<String> strings() {
        require(DType.STRING);
        return strings;
    }

    /** Size of the element data in bytes (strings: UTF-8 lengths summed). */
    public long byteSize() {
        if (dtype != DType.STRING) return data.length;
        long n = 0;
        for (String s : strings) n += s.getBytes(StandardCharsets.UTF_8).length;
        return n;
    }

    private void require(DType t) {
        if (dtype != t) {
            throw new IllegalStateException("tensor '" + name + "' is " + dtype.wireName() + ", not " + t.wireName());
        }
    }

    private void requireNumeric() {
        if (dtype == DType.STRING) throw new IllegalStateException("tensor '" + name + "' holds strings, not bytes");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && dtype == t.dtype && shape.equals(t.shape)
                && Arrays.equals(data, t.data) && Objects.equals(strings, t.strings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, shape, Arrays.hashCode(data), strings);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + dtype.wireName() + shape + "]";
    }
}
