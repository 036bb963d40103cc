package io.verity.engine.det.ops.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link MaxPoolLanes} gives the bits of MaxPool's scalar rule (a tap replaces the running maximum when it is NaN or
 * greater) on signed zeros, NaNs with payloads, infinities and ties, at strides 1-3, with vector bodies and tails.
 */
class MaxPoolLanesTest {
    @Test
    void every_tap_gives_the_scalar_rules_bits_at_any_stride_and_offset() {
        float[] odd = {-0f, 0f, Float.NaN, Float.intBitsToFloat(0x7fc01234), Float.intBitsToFloat(0x7f801234), Float.intBitsToFloat(0xffc00001),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE};
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[700];
        for (int i = 0; i < x.length; i++) x[i] = r.nextInt(4) == 0 ? odd[r.nextInt(odd.length)] : (float) (r.nextDouble() * 4 - 2);
        for (int sw = 1; sw <= 3; sw++) {
            for (int off = 0; off < 3; off++) {
                int hi = (x.length - off) / sw;
                for (int lo : new int[] {0, 1, 5}) {
                    float[] start = new float[hi + 3];
                    for (int i = 0; i < start.length; i++) start[i] = i % 3 == 0 ? Float.NEGATIVE_INFINITY : odd[(i * 7) % odd.length];
                    float[] got = start.clone(), want = start.clone();
                    // three taps in a row, as a window does, the first on the running -inf/odd values
                    for (int t = 0; t < 3; t++) {
                        int o2 = Math.max(0, off - t);
                        MaxPoolLanes.tap(x, 0, sw, o2, got, 2, lo, Math.min(hi, (x.length - o2) / sw));
                        for (int ox = lo; ox < Math.min(hi, (x.length - o2) / sw); ox++) {
                            float v = x[ox * sw + o2];
                            if (v != v || v > want[2 + ox]) want[2 + ox] = v;
                        }
                    }
                    for (int i = 0; i < got.length; i++) {
                        assertThat(Float.floatToRawIntBits(got[i])).as("sw=%d off=%d lo=%d i=%d", sw, off, lo, i)
                                .isEqualTo(Float.floatToRawIntBits(want[i]));
                    }
                }
            }
        }
    }
}
