package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HalfTest {

    @Test
    void rounds_every_float16_boundary_like_the_jdk() {
        for (int h = 0; h < 0x10000; h++) {
            float v = Float.float16ToFloat((short) h);
            float up = Math.nextUp(v);
            float down = Math.nextDown(v);
            for (float f : new float[] {v, up, down}) {
                if (!Float.isNaN(f)) assertThat(Half.fromDouble(f)).as("0x%04x", h).isEqualTo(Float.floatToFloat16(f));
            }
        }
    }

    @Test
    void rounds_halfway_cases_to_even() {
        assertThat(Half.fromDouble(1 + 0x1p-11)).isEqualTo((short) 0x3c00); // tie between 1 and 1+2^-10 → even 1
        assertThat(Half.fromDouble(1 + 3 * 0x1p-11)).isEqualTo((short) 0x3c02); // tie → even mantissa 2
        assertThat(Half.fromDouble(0x1p-25)).isEqualTo((short) 0); // half the smallest subnormal → 0
        assertThat(Half.fromDouble(Math.nextUp(0x1p-25))).isEqualTo((short) 1);
        assertThat(Half.fromDouble(65519.99)).isEqualTo((short) 0x7bff); // rounds down to max 65504
        assertThat(Half.fromDouble(65520)).isEqualTo((short) 0x7c00);
        assertThat(Half.fromDouble(-0.0)).isEqualTo((short) 0x8000);
        assertThat(Half.fromDouble(Double.NaN)).isEqualTo((short) 0x7e00);
    }

    @Test
    void rounds_a_double_once_where_going_through_float_would_round_twice() {
        // 1 + 2^-11 + 2^-40: just above the tie, so the half is 1 + 2^-10; via float it lands on the tie and
        // rounds to even (1.0)
        double d = 1 + 0x1p-11 + 0x1p-40;
        assertThat(Half.fromDouble(d)).isEqualTo((short) 0x3c01);
        assertThat(Float.floatToFloat16((float) d)).isEqualTo((short) 0x3c00);
    }
}
