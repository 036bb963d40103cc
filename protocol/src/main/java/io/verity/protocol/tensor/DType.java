package io.verity.protocol.tensor;

import io.verity.protocol.WireName;

/**
 * Element types a tensor may carry. {@link #code()} is ONNX's {@code TensorProto.DataType} number, so the
 * canonical encoding uses a code defined outside this project; {@link #wireName()} is the JSON spelling.
 */
public enum DType implements WireName {
    FLOAT32(1, 4),
    UINT8(2, 1),
    INT8(3, 1),
    INT32(6, 4),
    INT64(7, 8),
    STRING(8, -1),
    BOOL(9, 1),
    FLOAT16(10, 2),
    FLOAT64(11, 8);

    private final int code;
    private final int byteSize;

    DType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** ONNX TensorProto.DataType value. */
    public int code() {
        return code;
    }

    /** Bytes per element in the little-endian data form; -1 for {@link #STRING}. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16;
    }

    /**
     * @throws IllegalArgumentException listing the accepted names when {@code name} is not one of them
     */
    public static DType fromWireName(String name) {
        return WireName.find(DType.class, name).orElseThrow(() ->
                new IllegalArgumentException("unknown dtype '" + name + "', expected one of " + WireName.list(DType.class)));
    }

    /** @return the dtype for an ONNX data type code, or null when Verity does not carry that type */
    public static DType fromOnnxCode(int code) {
        for (DType t : values()) if (t.code == code) return t;
        return null;
    }
}
