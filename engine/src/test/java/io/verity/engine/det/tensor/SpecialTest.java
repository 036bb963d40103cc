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

    /** The contract's erf3, written as docs/deterministic-engine.md states it (branches, one loop per row). */
    static double erf3AsStated(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax >= Special.ERF_IS_ONE) return Math.copySign(1.0, x);
        double r;
        if (ax < 0.25) {
            double u = ax * ax, s = Special.ERF3[0][0];
            for (int k = 1; k < Special.ERF3[0].length; k++) s = s * u + Special.ERF3[0][k];
            r = ax * s;
        } else {
            int i = (int) (ax * 4);
            double[] p = Special.ERF3[i];
            double t = ax - (i * 0.25 + 0.125), s = p[0];
            for (int k = 1; k < p.length; k++) s = s * t + p[k];
            r = s;
        }
        return Math.copySign(r, x);
    }

    /** The contract's exp3 as stated (scaled by Math.scalb). */
    static double exp3AsStated(double x) {
        if (!(x > -745.2)) return x != x ? x : 0.0;
        if (x > 709.782712893384) return Double.POSITIVE_INFINITY;
        double k = Math.rint(x * Special.EXP3_INV);
        double r = (x - k * Special.EXP3_L1) - k * Special.EXP3_L2;
        double p = 1 + r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
        int ki = (int) k;
        return Math.scalb(Special.EXP3_T[ki & 31] * p, ki >> 5);
    }

    @Test
    void the_fast_forms_of_erf3_and_exp3_give_the_bits_of_the_stated_definitions_on_every_float32_of_every_257th_bit_pattern() {
        long n = 0;
        for (long bits = 0; bits <= 0xffffffffL; bits += 257) {
            float x = Float.intBitsToFloat((int) bits);
            if (Double.doubleToRawLongBits(Special.erf3(x)) != Double.doubleToRawLongBits(erf3AsStated(x))) throw new AssertionError("erf3 at " + x);
            if (Double.doubleToRawLongBits(Special.exp3(x)) != Double.doubleToRawLongBits(exp3AsStated(x))) throw new AssertionError("exp3 at " + x);
            n++;
        }
        for (double x : new double[] {0.0, -0.0, 0.25, Math.nextDown(0.25), Special.ERF_IS_ONE, Math.nextDown((double) Special.ERF_IS_ONE), -745.2,
                Math.nextUp(-745.2), 709.782712893384, -708.4, -707.7, 707.7, 708.4, Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, 1e300, -1e300}) {
            assertThat(Double.doubleToRawLongBits(Special.erf3(x))).as("erf3(%s)", x).isEqualTo(Double.doubleToRawLongBits(erf3AsStated(x)));
            assertThat(Double.doubleToRawLongBits(Special.exp3(x))).as("exp3(%s)", x).isEqualTo(Double.doubleToRawLongBits(exp3AsStated(x)));
        }
        for (double x = -746; x < 710; x += 0.0137) { // subnormal and boundary results included, as float64 arguments
            assertThat(Double.doubleToRawLongBits(Special.exp3(x))).as("exp3(%s)", x).isEqualTo(Double.doubleToRawLongBits(exp3AsStated(x)));
        }
        assertThat(n).isGreaterThan(16_000_000L);
    }
}
