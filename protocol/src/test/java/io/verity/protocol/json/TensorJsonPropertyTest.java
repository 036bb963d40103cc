package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
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
}
