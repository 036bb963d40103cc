package io.verity.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.LoadedModel;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec;
import io.verity.protocol.tensor.TensorSpec.Dim;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every Verity dtype through real ONNX Runtime graphs built in the test (Identity and Cast), compared bit for
 * bit with the input or with Java's own conversion. Seeds are fixed and printed in failure messages.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class DTypeRoundTripIT {
    private static final long SEED = 20261124L;
    @AutoClose
    private static final OnnxRuntimeEngine engine = OnnxRuntimeEngine.create();

    @TempDir
    static Path dir;

    private static LoadedModel load(String name, byte[] model) {
        return engine.load(TinyOnnx.digest(model), TinyOnnx.write(dir, name, model));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void identity_returns_every_dtype_bit_for_bit(DType dtype) {
        LoadedModel m = load("identity-" + dtype.wireName() + ".onnx", TinyOnnx.identity(dtype, 2, 3));
        Tensor x = random("x", dtype, Shape.of(2, 3), SEED + dtype.ordinal());

        List<Tensor> out = m.run(List.of(x)).outputs();

        assertThat(out).as("seed %d", SEED + dtype.ordinal()).containsExactly(x.withName("y"));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void identity_keeps_scalars_and_empty_tensors(DType dtype) {
        LoadedModel scalar = load("scalar-" + dtype.wireName() + ".onnx", TinyOnnx.identity(dtype));
        LoadedModel dynamic = load("dynamic-" + dtype.wireName() + ".onnx", TinyOnnx.identity(dtype, -1, 3));
        Tensor one = random("x", dtype, Shape.of(), SEED);
        Tensor empty = random("x", dtype, Shape.of(0, 3), SEED);
        Tensor many = random("x", dtype, Shape.of(5, 3), SEED);

        assertThat(scalar.run(List.of(one)).outputs()).containsExactly(one.withName("y"));
        assertThat(dynamic.run(List.of(empty)).outputs()).containsExactly(empty.withName("y"));
        assertThat(dynamic.run(List.of(many)).outputs()).containsExactly(many.withName("y"));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void schema_reports_the_graphs_dtype_and_named_dynamic_dims(DType dtype) {
        LoadedModel m = load("schema-" + dtype.wireName() + ".onnx", TinyOnnx.identity(dtype, -1, 3));

        List<Dim> dims = List.of(new Dim.Dynamic("n"), new Dim.Fixed(3));
        assertThat(m.schema().inputs()).containsExactly(new TensorSpec("x", dtype, dims));
        assertThat(m.schema().outputs()).containsExactly(new TensorSpec("y", dtype, dims));
    }

    @Test
    void float32_to_float16_cast_rounds_like_java_and_comes_back_as_float16_bytes() {
        LoadedModel m = load("cast-f32-f16.onnx", TinyOnnx.cast(DType.FLOAT32, DType.FLOAT16, -1));
        float[] x = interestingFloats(SEED, 4000);

        Tensor y = m.run(List.of(Tensor.ofFloats("x", Shape.of(x.length), x))).outputs().getFirst();

        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        ByteBuffer bits = y.data();
        for (int i = 0; i < x.length; i++) {
            short expected = Float.floatToFloat16(x[i]);
            short actual = bits.getShort();
            if (Float.isNaN(x[i])) {
                assertThat(Float.isNaN(Float.float16ToFloat(actual))).as("x[%d] = NaN", i).isTrue();
            } else {
                assertThat(actual).as("float16 bits of x[%d] = %s (seed %d)", i, x[i], SEED).isEqualTo(expected);
            }
        }
    }

    @Test
    void float16_to_float32_cast_widens_every_half_exactly() {
        LoadedModel m = load("cast-f16-f32.onnx", TinyOnnx.cast(DType.FLOAT16, DType.FLOAT32, -1));
        ByteBuffer all = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int h = 0; h < 65536; h++) all.putShort((short) h);

        Tensor y = m.run(List.of(Tensor.ofRaw("x", DType.FLOAT16, Shape.of(65536), all.array()))).outputs().getFirst();

        float[] f = y.floats();
        for (int h = 0; h < 65536; h++) {
            float expected = Float.float16ToFloat((short) h);
            if (Float.isNaN(expected)) assertThat(f[h]).as("half 0x%04x", h).isNaN();
            else assertThat(Float.floatToRawIntBits(f[h])).as("half 0x%04x", h).isEqualTo(Float.floatToRawIntBits(expected));
        }
    }

    @Test
    void float64_to_float32_cast_matches_java_narrowing() {
        LoadedModel m = load("cast-f64-f32.onnx", TinyOnnx.cast(DType.FLOAT64, DType.FLOAT32, -1));
        SplittableRandom rnd = new SplittableRandom(SEED);
        double[] x = new double[1000];
        for (int i = 0; i < x.length; i++) x[i] = (rnd.nextDouble() - 0.5) * StrictMath.pow(10, rnd.nextInt(-40, 40));

        float[] y = m.run(List.of(Tensor.ofDoubles("x", Shape.of(x.length), x))).outputs().getFirst().floats();

        for (int i = 0; i < x.length; i++) assertThat(y[i]).as("x[%d] = %s", i, x[i]).isEqualTo((float) x[i]);
    }

    @Test
    void uint8_is_read_unsigned_and_int8_signed() {
        LoadedModel u8 = load("cast-u8-i32.onnx", TinyOnnx.cast(DType.UINT8, DType.INT32, -1));
        LoadedModel i8 = load("cast-i8-i32.onnx", TinyOnnx.cast(DType.INT8, DType.INT32, -1));
        byte[] all = new byte[256];
        int[] unsigned = new int[256];
        int[] signed = new int[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
            unsigned[i] = i;
            signed[i] = (byte) i;
        }

        assertThat(u8.run(List.of(Tensor.ofRaw("x", DType.UINT8, Shape.of(256), all))).outputs().getFirst().ints())
                .containsExactly(unsigned);
        assertThat(i8.run(List.of(Tensor.ofRaw("x", DType.INT8, Shape.of(256), all))).outputs().getFirst().ints())
                .containsExactly(signed);
    }

    @Test
    void bool_casts_to_int64_zero_and_one() {
        LoadedModel m = load("cast-bool-i64.onnx", TinyOnnx.cast(DType.BOOL, DType.INT64, -1));

        Tensor y = m.run(List.of(Tensor.ofBools("x", Shape.of(4), true, false, false, true))).outputs().getFirst();

        assertThat(y.longs()).containsExactly(1, 0, 0, 1);
    }

    /** Random data for any dtype: raw random bytes (NaN payloads included), bools 0/1, strings of any script. */
    static Tensor random(String name, DType dtype, Shape shape, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = Math.toIntExact(shape.elementCount());
        if (dtype == DType.STRING) {
            List<String> s = new ArrayList<>();
            for (int i = 0; i < n; i++) s.add(randomString(rnd, i));
            return Tensor.ofStrings(name, shape, s);
        }
        byte[] b = new byte[n * dtype.byteSize()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (dtype == DType.BOOL ? rnd.nextInt(2) : rnd.nextInt(256));
        return Tensor.ofRaw(name, dtype, shape, b);
    }

    private static String randomString(SplittableRandom rnd, int i) {
        if (i == 0) return ""; // the empty string must survive too
        StringBuilder s = new StringBuilder();
        int len = rnd.nextInt(1, 12);
        for (int k = 0; k < len; k++) {
            int cp = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt(0x20, 0x7f); // ASCII
                case 1 -> rnd.nextInt(0xa0, 0x800); // Latin, Greek, Cyrillic, Hebrew, Arabic
                case 2 -> rnd.nextInt(0x4e00, 0x9fff); // CJK
                default -> rnd.nextInt(0x1f300, 0x1f600); // emoji, outside the BMP
            };
            s.appendCodePoint(cp);
        }
        return s.toString();
    }

    /** Random floats across the whole exponent range, plus the values where half rounding is delicate. */
    private static float[] interestingFloats(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] special = {0f, -0f, 1f, -1f, 65504f, 65520f, 65519.99f, 6.1035156e-5f, 5.9604645e-8f, 2.9802322e-8f,
            2.9802326e-8f, 1.0009765625f, 1.00048828125f, 1.00146484375f, Float.MIN_VALUE, Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        float[] x = new float[n];
        System.arraycopy(special, 0, x, 0, special.length);
        for (int i = special.length; i < n; i++) {
            // uniform over bit patterns within the half range, and some beyond it
            x[i] = Float.intBitsToFloat(rnd.nextInt(0x2f800000, 0x47ffffff) | (rnd.nextBoolean() ? 0x80000000 : 0));
        }
        return x;
    }
}
