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

    /**
     * verity-det/3's exp, sigmoid and tanh against StrictMath's on a dense float32 sweep: every 61st float32 of each
     * sign (about 70 million arguments, every binade), as float64 within a stated relative bound, and rounded to
     * float32 within one float32 step (equal on nearly all).
     */
    @Test
    void verity_det_3s_exp_sigmoid_and_tanh_stay_within_a_stated_bound_of_strict_math_on_a_dense_float32_sweep() {
        long checked = 0, equal = 0;
        double worstExp = 0, worstSig = 0, worstTanh = 0;
        for (int bits = 0; bits < 0x7f800000; bits += 61) {
            float ax = Float.intBitsToFloat(bits);
            for (float x : new float[] {ax, -ax}) {
                double e = StrictMath.exp(x), e3 = Special.exp3(x);
                if (e >= Double.MIN_NORMAL && !Double.isInfinite(e)) worstExp = Math.max(worstExp, Math.abs(e3 - e) / e);
                else if (e3 != e && !(e < Double.MIN_NORMAL && Math.abs(e3 - e) <= 0x1p-1070)) throw new AssertionError("exp3(" + x + ") = " + e3 + ", exp = " + e);
                double s = Special.sigmoid(x), s3 = Special.sigmoid3(x);
                if (s >= Double.MIN_NORMAL) worstSig = Math.max(worstSig, Math.abs(s3 - s) / s);
                double t = StrictMath.tanh(x), t3 = Special.tanh3(x);
                if (t != 0) worstTanh = Math.max(worstTanh, Math.abs(t3 - t) / Math.abs(t));
                else if (t3 != t) throw new AssertionError("tanh3(" + x + ") = " + t3);
                for (double[] p : new double[][] {{e, e3}, {s, s3}, {t, t3}}) {
                    float want = (float) p[0], got = (float) p[1];
                    if (want != got && Math.abs(got - want) > Math.ulp(want)) throw new AssertionError("at " + x + ": " + got + " vs " + want);
                    if (want == got) equal++;
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(200_000_000L);
        assertThat(worstExp).isLessThan(4e-15);
        assertThat(worstSig).isLessThan(4e-15);
        assertThat(worstTanh).isLessThan(4e-13);
        assertThat((double) equal / checked).isGreaterThan(0.9999);
        assertThat(Special.exp3(0)).isEqualTo(1.0);
        assertThat(Special.exp3(Double.NEGATIVE_INFINITY)).isEqualTo(0.0);
        assertThat(Special.exp3(Double.POSITIVE_INFINITY)).isInfinite();
        assertThat(Special.exp3(Double.NaN)).isNaN();
        assertThat(Special.tanh3(Double.NaN)).isNaN();
        assertThat(Special.sigmoid3(Double.NaN)).isNaN();
        assertThat(Special.tanh3(Double.NEGATIVE_INFINITY)).isEqualTo(-1.0);
        assertThat(Special.sigmoid3(Double.NEGATIVE_INFINITY)).isEqualTo(0.0);
        System.out.printf("exp3/sigmoid3/tanh3: worst relative %.3g / %.3g / %.3g, float32 equal %.6f of %d%n", worstExp, worstSig, worstTanh,
                (double) equal / checked, checked);
    }
}
