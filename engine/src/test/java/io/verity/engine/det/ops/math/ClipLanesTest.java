package io.verity.engine.det.ops.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ClipLanes} gives the scalar select's bits, on zeros, NaNs (quiet and signalling payloads), infinities and the bounds. */
class ClipLanesTest {
    @Test
    void the_vector_clip_gives_the_bits_of_the_scalar_select_with_and_without_the_float64_round_trip() {
        float[] odd = {-0f, 0f, Float.NaN, Float.intBitsToFloat(0x7fc01234), Float.intBitsToFloat(0x7f801234), Float.intBitsToFloat(0xffc00001),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 6f, -6f, 3f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE};
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[1000 + 13]; // vectors and a scalar tail
        for (int i = 0; i < x.length; i++) x[i] = i % 97 < odd.length ? odd[i % 97] : (float) (r.nextDouble() * 20 - 10);
        float[][] bounds = {{0f, 6f}, {-0f, 0f}, {-1f, -1f}, {2f, -2f}, {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}};
        for (float[] b : bounds) {
            for (boolean viaDouble : new boolean[] {false, true}) {
                float[] o = new float[x.length];
                ClipLanes.clip(x, 0, o, 0, x.length, b[0], b[1], viaDouble);
                for (int i = 0; i < x.length; i++) {
                    float v = x[i], want = viaDouble ? (float) select(v, b[0], b[1]) : v < b[0] ? b[0] : v > b[1] ? b[1] : v;
                    assertThat(Float.floatToRawIntBits(o[i])).as("x=%s lo=%s hi=%s viaDouble=%s", v, b[0], b[1], viaDouble)
                            .isEqualTo(Float.floatToRawIntBits(want));
                }
            }
        }
    }

    @Test
    void the_vector_hardswish_gives_the_bits_of_its_four_float32_steps_in_either_operand_order_and_in_place() {
        float[] odd = {-0f, 0f, -3f, 3f, Float.NaN, Float.intBitsToFloat(0x7fc01234), Float.intBitsToFloat(0x7f801234), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE};
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[1000 + 7];
        for (int i = 0; i < x.length; i++) x[i] = i % 89 < odd.length ? odd[i % 89] : (float) (r.nextDouble() * 12 - 6);
        for (boolean viaDouble : new boolean[] {false, true}) {
            for (boolean xFirst : new boolean[] {false, true}) {
                float[] o = new float[x.length], inPlace = x.clone();
                ClipLanes.hardSwish(x, 0, o, x.length, 3f, 0f, 6f, viaDouble, xFirst, 6f);
                ClipLanes.hardSwish(inPlace, 0, inPlace, x.length, 3f, 0f, 6f, viaDouble, xFirst, 6f);
                for (int i = 0; i < x.length; i++) {
                    float v = x[i], t = v + 3f, ct = viaDouble ? (float) select(t, 0f, 6f) : t < 0f ? 0f : t > 6f ? 6f : t;
                    float want = xFirst ? v * ct / 6f : ct * v / 6f;
                    assertThat(Float.floatToRawIntBits(o[i])).as("x=%s viaDouble=%s xFirst=%s", v, viaDouble, xFirst).isEqualTo(Float.floatToRawIntBits(want));
                    assertThat(Float.floatToRawIntBits(inPlace[i])).isEqualTo(Float.floatToRawIntBits(want));
                }
            }
        }
    }

    private static double select(double v, float lo, float hi) {
        return v < lo ? lo : v > hi ? hi : v;
    }
}
