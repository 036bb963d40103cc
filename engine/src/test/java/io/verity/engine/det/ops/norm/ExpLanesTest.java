package io.verity.engine.det.ops.norm;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.det.tensor.Special;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ExpLanes} gives {@link Special#exp3}'s bits of {@code x - mx}: on random float32 over Softmax's range and over
 * all float32 bits, on NaNs, zeros, infinities, subnormals, exact ties of the rounding to k, and each side of the
 * vector path's bounds and of exp3's own, with vectors that mix them and a scalar tail.
 */
class ExpLanesTest {
    @Test
    void the_vector_exp_gives_the_bits_of_the_scalar_exp3() {
        float[] odd = {0f, -0f, Float.NaN, Float.intBitsToFloat(0x7fc01234), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MIN_NORMAL, -707f, Math.nextDown(-707f), Math.nextUp(-707f), 708f, Math.nextUp(708f), Math.nextDown(708f),
                -745.2f, -745f, -746f, 709.78f, 710f, -1e4f, -Float.MAX_VALUE, Float.MAX_VALUE, (float) (0.5 / Special.EXP3_INV),
                (float) (-0.5 / Special.EXP3_INV), (float) (1.5 / Special.EXP3_INV), -0.01f, 0.01f, -3e-8f};
        SplittableRandom r = new SplittableRandom(23);
        float[] x = new float[100_000 + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 97 < odd.length && i < 97 * 300 ? odd[i % 97]
                    : i % 5 == 0 ? Float.intBitsToFloat(r.nextInt()) // any float32 bits
                    : (float) (r.nextDouble() * 60 - 50);
        }
        for (double mx : new double[] {0.0, 7.25f, -3.5f, 12.125f}) {
            double[] e = new double[x.length];
            ExpLanes.exp(x, 0, mx, e, x.length);
            double[] part = new double[1000];
            ExpLanes.exp(x, 5, mx, part, 997); // an unaligned start and a tail
            for (int i = 0; i < x.length; i++) {
                long want = Double.doubleToRawLongBits(Special.exp3(x[i] - mx));
                assertThat(Double.doubleToRawLongBits(e[i])).as("x=%s mx=%s", x[i], mx).isEqualTo(want);
                if (i >= 5 && i < 5 + 997) assertThat(Double.doubleToRawLongBits(part[i - 5])).isEqualTo(want);
            }
        }
    }
}
