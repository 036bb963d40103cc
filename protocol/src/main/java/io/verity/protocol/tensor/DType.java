package io.verity.protocol.tensor;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Element types a tensor may carry. {@link #code()} is ONNX's {@code TensorProto.DataType} number, so the
 * canonical encoding uses a code defined outside this project; {@link #wireName()} is the JSON spelling.
 */
public enum DType {
    FLOAT32("float32", 1, 4),
    UINT8("uint8", 2, 1),
    INT8("int8", 3, 1),
    INT32("int32", 6, 4),
    INT64("int64", 7, 8),
    STRING("string", 8, -1),
    BOOL("bool", 9, 1),
    FLOAT16("float16", 10, 2),
    FLOAT64("float64", 11, 8);

    private final String wireName;
    private final int code;
    private final int byteSize;

    DType(String wireName, int code, int byteSize) {
        this.wireName = wireName;
        this.code = code;
        this.byteSize = byteSize;
    }

    public String wireName() {
        return wireName;
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
        for (DType t : values()) if (t.wireName.equals(name)) return t;
        throw new IllegalArgumentException("unknown dtype '" + name + "', expected one of " + names());
    }

    /** @return the dtype for an ONNX data type code, or null when Verity does not carry that type */
    public static DType fromOnnxCode(int code) {
        for (DType t : values()) if (t.code == code) return t;
        return null;
    }

    static String names() {
        return Arrays.stream(values()).map(DType::wireName).collect(Collectors.joining(", "));
    }
}
