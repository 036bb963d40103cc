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

    @Test
    void verity_det_3s_erf_is_within_one_float32_step_of_erf_and_mostly_equal() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        int equal = 0, n = 2_000_000;
        for (int i = 0; i < n; i++) {
            float x = i % 4 == 0 ? (float) (r.nextDouble() * 8 - 4) : (float) ((r.nextDouble() * 2 - 1) * StrictMath.pow(2, r.nextInt(-40, 3)));
            float want = (float) Special.erf(x), got = (float) Special.erf3(x);
            if (Math.abs(got - want) > Math.ulp(want)) throw new AssertionError("erf3(" + x + ") = " + got + ", erf = " + want);
            if (got == want) equal++;
        }
        assertThat(equal).isGreaterThan(n * 999 / 1000);
        assertThat(Special.erf3(-0.0)).isEqualTo(-0.0);
        assertThat(Special.erf3(Double.NaN)).isNaN();
        assertThat(Special.erf3(Double.POSITIVE_INFINITY)).isEqualTo(1.0);
        assertThat(Special.erf3(-5)).isEqualTo(-1.0);
        assertThat((float) Special.erf3(1e-40)).isEqualTo((float) Special.erf(1e-40));
    }
}
