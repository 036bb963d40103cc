package io.verity.engine.det.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class SpecialTest {
    @Test
    void the_erf_shortcut_gives_the_float32_of_erf_for_every_float32_from_two_to_six() {
        int from = Float.floatToRawIntBits(2f), to = Float.floatToRawIntBits(6f);
        int checked = 0;
        for (int bits = from; bits <= to; bits++) {
            float x = Float.intBitsToFloat(bits);
            for (float v : new float[] {x, -x}) {
                if ((float) Special.erfForFloat(v) != (float) Special.erf(v)) throw new AssertionError("differs at " + v);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(12_000_000);
        float below = Math.nextDown(Special.ERF_IS_ONE); // the threshold is the smallest that works
        assertThat((float) Special.erf(below) != 1f || (float) Special.erf(-below) != -1f).isTrue();
        assertThat(Special.erfForFloat(1e9)).isEqualTo(1.0);
        assertThat(Special.erfForFloat(Double.NEGATIVE_INFINITY)).isEqualTo(-1.0);
        assertThat(Special.erfForFloat(Double.NaN)).isNaN();
        assertThat(Special.erfForFloat(0.5)).isEqualTo(Special.erf(0.5));
    }
}
