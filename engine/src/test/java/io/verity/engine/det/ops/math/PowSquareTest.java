package io.verity.engine.det.ops.math;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.det.tensor.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Pow's square shortcut gives StrictMath.pow(x, 2)'s float32 bits, on random values of every magnitude and the special ones. */
class PowSquareTest {
    @Test
    void the_float32_square_is_strictmath_pow_by_two_rounded_to_float32() {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[20_000];
        float[] odd = {-0f, 0f, Float.NaN, Float.intBitsToFloat(0x7fc01234), Float.intBitsToFloat(0xffa00001), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE, 1.8446744e19f, -3.4e19f};
        for (int i = 0; i < x.length; i++) x[i] = i < odd.length ? odd[i] : Float.intBitsToFloat(r.nextInt());
        float[] o = Elementwise.square(Parallel.SERIAL, x);
        for (int i = 0; i < x.length; i++) {
            assertThat(Float.floatToRawIntBits(o[i])).as("x=%s (0x%08x)", x[i], Float.floatToRawIntBits(x[i]))
                    .isEqualTo(Float.floatToRawIntBits((float) StrictMath.pow(x[i], 2.0)));
        }
    }
}
