package io.verity.engine.det.ops.math;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.engine.det.tensor.Special;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ErfLanes} gives {@link Special#erf3}'s float32 bits: on random float32 over GELU's range and over all
 * magnitudes, on NaNs (payloads), zeros, infinities, subnormals and each side of every quarter boundary and of
 * {@link Special#ERF_IS_ONE}, with vectors holding a NaN next to ordinary values and a scalar tail.
 */
class ErfLanesTest {
    @Test
    void the_vector_erf_gives_the_bits_of_the_scalar_erf3() {
        List<Float> odd = new ArrayList<>(List.of(0f, -0f, Float.NaN, Float.intBitsToFloat(0x7fc01234), Float.intBitsToFloat(0xff800001),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL),
                Float.MAX_VALUE, -Float.MAX_VALUE, 1e20f, -3e9f, 536870912f, Special.ERF_IS_ONE, -Special.ERF_IS_ONE));
        for (int q = 1; q <= 16; q++) { // every row boundary (q / 4) and the threshold, both sides, both signs
            float b = q == 16 ? Special.ERF_IS_ONE : q / 4f;
            for (float v : new float[] {Math.nextDown(b), b, Math.nextUp(b)}) {
                odd.add(v);
                odd.add(-v);
            }
        }
        SplittableRandom r = new SplittableRandom(17);
        float[] x = new float[200_000 + 5]; // vectors and a scalar tail
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 151 < odd.size() && i < 151 * 400 ? odd.get(i % 151)
                    : i % 3 == 0 ? Float.intBitsToFloat(r.nextInt()) // any float32 bits: all magnitudes, subnormals, NaNs
                    : (float) (r.nextDouble() * 12 - 6);
        }
        float[] o = new float[x.length];
        ErfLanes.erf(x, o, 0, x.length);
        float[] part = new float[x.length];
        ErfLanes.erf(x, part, 3, 1003); // an unaligned start and end
        for (int i = 0; i < x.length; i++) {
            int want = Float.floatToRawIntBits((float) Special.erf3(x[i]));
            assertThat(Float.floatToRawIntBits(o[i])).as("x=%s (bits %08x)", x[i], Float.floatToRawIntBits(x[i])).isEqualTo(want);
            if (i >= 3 && i < 1003) assertThat(Float.floatToRawIntBits(part[i])).isEqualTo(want);
            else if (i < 1003) assertThat(part[i]).isZero();
        }
    }
}
