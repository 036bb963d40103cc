package io.verity.protocol.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class Float16Test {

    @Test
    void widens_every_float16_to_the_jdks_float_bit_for_bit_and_narrows_it_back() {
        for (int h = 0; h < 0x10000; h++) {
            float v = Float16.toFloat(h);
            boolean nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0, signalling = nan && (h & 0x200) == 0;
            // NaNs keep sign and payload (the JDK's F16C intrinsic quiets signalling ones, its interpreter does not)
            int want = nan ? (h & 0x8000) << 16 | 0x7F800000 | (h & 0x3FF) << 13 : Float.floatToRawIntBits(Float.float16ToFloat((short) h));
            assertThat(Float.floatToRawIntBits(v)).as("0x%04x", h).isEqualTo(want);
            // every value comes back as the same bits; a signalling NaN comes back quiet, payload kept
            assertThat(Float16.fromDouble(v)).as("0x%04x", h).isEqualTo(signalling ? h | 0x200 : h);
        }
    }

    @Test
    void rounds_float64_once_to_nearest_even() {
        assertThat(Float16.fromDouble(1 + 0x1p-11)).isEqualTo(0x3c00); // tie → even
        assertThat(Float16.fromDouble(1 + 0x1p-11 + 0x1p-40)).isEqualTo(0x3c01); // above the tie; via float32 it would tie
        assertThat(Float16.fromDouble(65504)).isEqualTo(0x7bff);
        assertThat(Float16.fromDouble(65520)).isEqualTo(0x7c00);
        assertThat(Float16.fromDouble(-1e300)).isEqualTo(0xfc00);
        assertThat(Float16.fromDouble(0x1p-24)).isEqualTo(0x0001);
        assertThat(Float16.fromDouble(0x1p-14 - 0x1p-25)).isEqualTo(0x0400); // largest subnormal's tie rounds up to the smallest normal
        assertThat(Float16.fromDouble(-0.0)).isEqualTo(0x8000);
        assertThat(Float16.fromDouble(Double.longBitsToDouble(0xfff8_0400_0000_0000L))).isEqualTo(0xfe01); // sign and payload kept
    }
}
