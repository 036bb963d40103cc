package io.verity.protocol.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.verity.protocol.Unicode;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of tensors (docs/protocol.md):
 * {@code {"name": "x", "dtype": "float32", "shape": [1, 3], "data": [0.5, 1, -2]}}, or {@code "b64"} with the
 * base64 of the little-endian element bytes instead of {@code "data"}.
 *
 * <p>Reading: floats are JSON numbers or the strings "NaN", "Infinity", "-Infinity"; a finite number outside
 * the dtype's range is an error, not infinity. float32 and float16 are rounded to nearest-even; for float32 this
 * is a single rounding when the tree was parsed with {@code USE_BIG_DECIMAL_FOR_FLOATS}, otherwise the
 * decimal goes through double first (off by one ulp only for decimals within 2^-29 ulp of a tie); but BigDecimal has
 * no negative zero, so such a tree reads {@code -0.0} as +0. int64 takes any
 * JSON integer in range exactly (Jackson keeps integers exact). Every problem is reported with its JSON Pointer in
 * one {@link InvalidFieldException}.
 *
 * <p>Writing: numbers as numbers (int64 too, exactly), non-finite floats as the strings above, float16 as the
 * shortest decimal of its float value.
 */
public final class TensorJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TensorJson() {}

    /**
     * Reads a JSON array of tensors; names must be distinct.
     *
     * @param pointer the JSON Pointer of {@code node} in its document, used in error messages ("" for the root)
     * @throws InvalidFieldException listing every problem found
     */
    public static List<Tensor> readList(JsonNode node, String pointer) {
        FieldErrors errors = new FieldErrors();
        List<Tensor> out = readList(node, pointer, errors);
        errors.throwIfAny();
        return out;
    }

    /**
     * Reads one tensor.
     *
     * @param pointer the JSON Pointer of {@code node} in its document, used in error messages ("" for the root)
     * @throws InvalidFieldException listing every problem found
     */
    public static Tensor read(JsonNode node, String pointer) {
        FieldErrors errors = new FieldErrors();
        Tensor t = read(node, pointer, errors);
        errors.throwIfAny();
        return t;
    }

    /** The tensor in the "data" form. */
    public static JsonNode write(Tensor t) {
        return toTree(t, false);
    }

    /** The tensor in the compact "b64" form (string tensors, which have none, in the "data" form). */
    public static JsonNode writeCompact(Tensor t) {
        return toTree(t, true);
    }

    /** Streams the tensor in the "data" form. */
    public static void write(JsonGenerator g, Tensor t) throws IOException {
        write(g, t, false);
    }

    /** Streams the tensor in the compact "b64" form (string tensors in the "data" form). */
    public static void writeCompact(JsonGenerator g, Tensor t) throws IOException {
        write(g, t, true);
    }

    static List<Tensor> readList(JsonNode node, String pointer, FieldErrors errors) {
        if (node == null || !node.isArray()) {
            errors.add(pointer, "must be an array of tensors, got " + Json.show(node));
            return List.of();
        }
        List<Tensor> out = new ArrayList<>(node.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String p = Json.child(pointer, i);
            Tensor t = read(node.get(i), p, errors);
            if (t == null) continue;
            Integer earlier = seen.putIfAbsent(t.name(), i);
            if (earlier != null) {
                errors.add(Json.child(p, "name"), "duplicate tensor name '" + t.name() + "', also at "
                        + Json.child(pointer, earlier));
            } else {
                out.add(t);
            }
        }
        return out;
    }

    static Tensor read(JsonNode node, String p, FieldErrors errors) {
        int before = errors.count();
        if (!Json.requireObject(node, p, "a tensor", errors)) return null;
        String name = Json.nonEmptyString(node, p, "name", errors);
        DType dtype = Json.named(node, p, "dtype", DType::fromWireName, errors);
        Shape shape = shape(node, p, errors);
        JsonNode data = node.get("data");
        JsonNode b64 = node.get("b64");
        if (data != null && b64 != null) {
            errors.add(p, "must have either \"data\" or \"b64\", not both");
            return null;
        }
        if (data == null && b64 == null) {
            errors.add(Json.child(p, "data"), "is required (or \"b64\")");
            return null;
        }
        if (errors.count() > before || dtype == null || shape == null || name == null) return null;
        return b64 != null ? fromB64(name, dtype, shape, b64, Json.child(p, "b64"), errors)
                : fromData(name, dtype, shape, data, Json.child(p, "data"), errors);
    }

    private static Shape shape(JsonNode node, String p, FieldErrors errors) {
        JsonNode s = Json.required(node, p, "shape", errors);
        if (s == null) return null;
        String sp = Json.child(p, "shape");
        if (!s.isArray()) {
            errors.add(sp, "must be an array of integers >= 0, got " + Json.show(s));
            return null;
        }
        long[] dims = new long[s.size()];
        boolean ok = true;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = s.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                errors.add(Json.child(sp, i), "must be an integer >= 0, got " + Json.show(d));
                ok = false;
            } else {
                dims[i] = d.longValue();
            }
        }
        if (!ok) return null;
        try {
            return Shape.of(dims);
        } catch (IllegalArgumentException e) {
            errors.add(sp, e.getMessage());
            return null;
        }
    }

    private static Tensor fromB64(String name, DType dtype, Shape shape, JsonNode b64, String p, FieldErrors errors) {
        if (dtype == DType.STRING) {
            errors.add(p, "is not allowed for string tensors, use \"data\"");
            return null;
        }
        if (!b64.isTextual()) {
            errors.add(p, "must be a base64 string, got " + Json.show(b64));
            return null;
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(b64.textValue());
        } catch (IllegalArgumentException e) {
            errors.add(p, "must be base64 (RFC 4648): " + e.getMessage());
            return null;
        }
        if (shape.elementCount() > Integer.MAX_VALUE / 8) {
            errors.add(p, "shape " + dims(shape) + " has too many elements for one request");
            return null;
        }
        long need = shape.elementCount() * dtype.byteSize();
        if (bytes.length != need) {
            errors.add(p, "shape " + dims(shape) + " of " + dtype.wireName() + " needs " + need + " bytes, got "
                    + bytes.length);
            return null;
        }
        if (dtype == DType.BOOL) {
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] != 0 && bytes[i] != 1) {
                    errors.add(p, "bool byte " + i + " must be 0 or 1, got " + (bytes[i] & 0xff));
                    return null;
                }
            }
        }
        return Tensor.ofRaw(name, dtype, shape, bytes);
    }

    private static Tensor fromData(String name, DType dtype, Shape shape, JsonNode data, String p, FieldErrors errors) {
        if (!data.isArray()) {
            errors.add(p, "must be a flat array of " + dtype.wireName() + " elements, got " + Json.show(data));
            return null;
        }
        if (data.size() != shape.elementCount()) {
            errors.add(p, "shape " + dims(shape) + " needs " + shape.elementCount() + " elements, got " + data.size());
            return null;
        }
        int n = data.size();
        if (dtype == DType.STRING) {
            List<String> strings = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                JsonNode e = data.get(i);
                if (!e.isTextual()) errors.add(Json.child(p, i), "must be a string, got " + Json.show(e));
                else if (!Unicode.isWellFormed(e.textValue())) {
                    errors.add(Json.child(p, i), "must be valid Unicode, got an unpaired surrogate");
                } else {
                    strings.add(e.textValue());
                }
            }
            return strings.size() == n ? Tensor.ofStrings(name, shape, strings) : null;
        }
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(n, dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        boolean ok = true;
        for (int i = 0; i < n; i++) {
            String bad = put(dtype, data.get(i), b);
            if (bad != null) {
                errors.add(Json.child(p, i), bad + ", got " + Json.show(data.get(i)));
                ok = false;
                b.position(b.position() + dtype.byteSize());
            }
        }
        return ok ? Tensor.ofRaw(name, dtype, shape, b.array()) : null;
    }

    /** Appends one element; returns what was expected when {@code e} does not fit {@code dtype}. */
    private static String put(DType dtype, JsonNode e, ByteBuffer b) {
        switch (dtype) {
            case FLOAT32 -> {
                double special = special(e);
                float f;
                if (!Double.isNaN(special) || isNaNString(e)) f = (float) special;
                else if (!e.isNumber()) return "must be a float32 number or \"NaN\", \"Infinity\", \"-Infinity\"";
                else if (e.isBigDecimal()) f = e.decimalValue().floatValue();
                else if (e.isBigInteger()) f = e.bigIntegerValue().floatValue();
                else if (e.isIntegralNumber()) f = (float) e.longValue();
                else f = (float) e.doubleValue();
                if (Float.isInfinite(f) && e.isNumber()) return "must be within the float32 range (|x| <= 3.4028235e38)";
                b.putFloat(f);
            }
            case FLOAT64 -> {
                Double d = real(e);
                if (d == null) return "must be a float64 number or \"NaN\", \"Infinity\", \"-Infinity\"";
                if (d.isInfinite() && e.isNumber()) return "must be within the float64 range";
                b.putDouble(d);
            }
            case FLOAT16 -> {
                Double d = real(e);
                if (d == null) return "must be a float16 number or \"NaN\", \"Infinity\", \"-Infinity\"";
                short h = Half.fromDouble(d);
                if ((h & 0x7fff) == 0x7c00 && e.isNumber()) return "must be within the float16 range (|x| <= 65504)";
                b.putShort(h);
            }
            case INT32 -> {
                Long v = integer(e, Integer.MIN_VALUE, Integer.MAX_VALUE);
                if (v == null) return "must be an int32, an integer between -2147483648 and 2147483647";
                b.putInt(v.intValue());
            }
            case INT64 -> {
                Long v = integer(e, Long.MIN_VALUE, Long.MAX_VALUE);
                if (v == null) return "must be an int64, an integer between -9223372036854775808 and 9223372036854775807";
                b.putLong(v);
            }
            case INT8 -> {
                Long v = integer(e, -128, 127);
                if (v == null) return "must be an int8, an integer between -128 and 127";
                b.put(v.byteValue());
            }
            case UINT8 -> {
                Long v = integer(e, 0, 255);
                if (v == null) return "must be a uint8, an integer between 0 and 255";
                b.put((byte) v.intValue());
            }
            case BOOL -> {
                if (!e.isBoolean()) return "must be true or false";
                b.put((byte) (e.booleanValue() ? 1 : 0));
            }
            case STRING -> throw new IllegalStateException("strings are read elsewhere");
        }
        return null;
    }

    /**
     * A float64 or float16 element as a double: a JSON number (a big decimal or integer rounded once, to the
     * nearest double) or "NaN", "Infinity", "-Infinity"; null for anything else. (float32 rounds straight to
     * float instead, to avoid rounding twice.)
     */
    private static Double real(JsonNode e) {
        double special = special(e);
        if (!Double.isNaN(special) || isNaNString(e)) return special;
        if (!e.isNumber()) return null;
        if (e.isBigDecimal()) return e.decimalValue().doubleValue();
        if (e.isBigInteger()) return e.bigIntegerValue().doubleValue();
        return e.doubleValue();
    }

    /** NaN for a non-special element, else the value of "Infinity" / "-Infinity" (and NaN for "NaN"). */
    private static double special(JsonNode e) {
        if (!e.isTextual()) return Double.NaN;
        return switch (e.textValue()) {
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.NaN;
        };
    }

    private static boolean isNaNString(JsonNode e) {
        return e.isTextual() && e.textValue().equals("NaN");
    }

    private static Long integer(JsonNode e, long min, long max) {
        if (!e.isIntegralNumber()) return null;
        BigInteger v = e.bigIntegerValue();
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) return null;
        return v.longValue();
    }

    private static String dims(Shape s) {
        return s.toString().replace(" ", "");
    }

    private static JsonNode toTree(Tensor t, boolean compact) {
        try (TokenBuffer buf = new TokenBuffer(MAPPER, false)) {
            write(buf, t, compact);
            return MAPPER.readTree(buf.asParser());
        } catch (IOException e) {
            throw new UncheckedIOException("writing a tensor to a token buffer cannot fail", e);
        }
    }

    private static void write(JsonGenerator g, Tensor t, boolean compact) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", t.name());
        g.writeStringField("dtype", t.dtype().wireName());
        g.writeArrayFieldStart("shape");
        for (int i = 0; i < t.shape().rank(); i++) g.writeNumber(t.shape().dim(i));
        g.writeEndArray();
        if (compact && t.dtype() != DType.STRING) {
            g.writeStringField("b64", Base64.getEncoder().encodeToString(t.dataBytes()));
        } else {
            g.writeArrayFieldStart("data");
            writeElements(g, t);
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void writeElements(JsonGenerator g, Tensor t) throws IOException {
        if (t.dtype() == DType.STRING) {
            for (String s : t.strings()) g.writeString(s);
            return;
        }
        ByteBuffer b = t.data();
        while (b.hasRemaining()) {
            switch (t.dtype()) {
                case FLOAT32 -> writeFloat(g, b.getFloat());
                case FLOAT64 -> {
                    double d = b.getDouble();
                    if (Double.isFinite(d)) g.writeNumber(d);
                    else g.writeString(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                }
                case FLOAT16 -> writeFloat(g, Half.toFloat(b.getShort()));
                case INT32 -> g.writeNumber(b.getInt());
                case INT64 -> g.writeNumber(b.getLong());
                case INT8 -> g.writeNumber(b.get());
                case UINT8 -> g.writeNumber(b.get() & 0xff);
                case BOOL -> g.writeBoolean(b.get() != 0);
                case STRING -> throw new IllegalStateException("strings are written above");
            }
        }
    }

    private static void writeFloat(JsonGenerator g, float f) throws IOException {
        if (Float.isFinite(f)) g.writeNumber(f);
        else g.writeString(Float.isNaN(f) ? "NaN" : f > 0 ? "Infinity" : "-Infinity");
    }
}
