package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorArbitraries;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

/** Round trips through JSON text: what we write, we read back to the same bytes (NaN payloads become the canonical NaN). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TensorJsonPropertyTest {
    static final ObjectMapper MAPPER = new ObjectMapper();

    @Property(tries = 300)
    void float32_data_round_trips_bit_for_bit_through_json_text(@ForAll @Size(max = 20) List<Float> values) throws Exception {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) f[i] = Float.isNaN(values.get(i)) ? Float.NaN : values.get(i);
        Tensor t = Tensor.ofFloats("x", Shape.of(f.length), f);
        String text = MAPPER.writeValueAsString(TensorJson.write(t));
        assertThat(TensorJson.read(MAPPER.readTree(text), "")).isEqualTo(t);
        assertThat(TensorJson.read(TensorJson.writeCompact(t), "")).isEqualTo(t);
    }

    @Property(tries = 300)
    void float64_and_int64_round_trip_through_json_text(@ForAll @Size(max = 20) List<Double> doubles,
            @ForAll @Size(max = 20) List<Long> longs) throws Exception {
        double[] d = doubles.stream().mapToDouble(x -> Double.isNaN(x) ? Double.NaN : x).toArray();
        Tensor td = Tensor.ofDoubles("d", Shape.of(d.length), d);
        Tensor tl = Tensor.ofLongs("l", Shape.of(longs.size()), longs.stream().mapToLong(Long::longValue).toArray());
        for (Tensor t : List.of(td, tl)) {
            String text = MAPPER.writeValueAsString(TensorJson.write(t));
            assertThat(TensorJson.read(MAPPER.readTree(text), "")).isEqualTo(t);
        }
    }

    @Property(tries = 300)
    void float16_bits_round_trip_through_json_numbers(@ForAll short bits) throws Exception {
        float v = Float.float16ToFloat(bits);
        short canonical = Float.isNaN(v) ? (short) 0x7e00 : bits;
        byte[] le = {(byte) canonical, (byte) (canonical >> 8)};
        Tensor t = Tensor.ofRaw("h", DType.FLOAT16, Shape.of(1), le);
        String text = MAPPER.writeValueAsString(TensorJson.write(t));
        assertThat(Arrays.equals(TensorJson.read(MAPPER.readTree(text), "").dataBytes(), le)).as(text).isTrue();
    }

    @Property(tries = 300)
    void any_tensor_round_trips_through_both_forms(@ForAll("tensors") Tensor t) throws Exception {
        Tensor viaData = TensorJson.read(MAPPER.readTree(MAPPER.writeValueAsString(TensorJson.write(t))), "");
        Tensor viaB64 = TensorJson.read(MAPPER.readTree(MAPPER.writeValueAsString(TensorJson.writeCompact(t))), "");
        assertThat(viaData).isEqualTo(t);
        assertThat(viaB64).isEqualTo(t);
    }

    @Provide
    Arbitrary<Tensor> tensors() {
        Arbitrary<String> names = Arbitraries.strings().ofMinLength(1).ofMaxLength(5)
                .filter(s -> s.chars().noneMatch(c -> Character.isSurrogate((char) c)));
        return TensorArbitraries.tensors(names, Arbitraries.of(DType.values()), List.of("", "a", "ü🙂", "\"\\\n"),
                (dtype, r, bytes) -> {
                    r.nextBytes(bytes);
                    if (dtype == DType.BOOL) for (int i = 0; i < bytes.length; i++) bytes[i] &= 1;
                    if (dtype.isFloatingPoint()) canonicaliseNaNs(dtype, bytes);
                });
    }

    static void canonicaliseNaNs(DType dtype, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes.length; i += dtype.byteSize()) {
            switch (dtype) {
                case FLOAT32 -> { if (Float.isNaN(b.getFloat(i))) b.putInt(i, 0x7fc00000); }
                case FLOAT64 -> { if (Double.isNaN(b.getDouble(i))) b.putLong(i, 0x7ff8000000000000L); }
                case FLOAT16 -> { if (Float.isNaN(Float.float16ToFloat(b.getShort(i)))) b.putShort(i, (short) 0x7e00); }
                default -> throw new IllegalStateException(dtype.toString());
            }
        }
    }
}
