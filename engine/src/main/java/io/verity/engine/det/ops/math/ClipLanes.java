package io.verity.engine.det.ops.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 Clip's select, {@code v < lo ? lo : v > hi ? hi : v}, on Vector API lanes: two compares and two blends
 * per vector are that select lane by lane (a NaN or a -0 passes through as it is), so every element gets the scalar
 * select's bits. Loaded only when the JVM has {@code jdk.incubator.vector} ({@link Elementwise#VECTORS}). The JIT
 * does not vectorise the scalar select, and the min/max form the scalar path tries first needs a reduction that
 * it compiled to scalar code in some JVMs and not in others (PaddleOCR cls's HardSwish: 3.5 or 4.9 ms).
 */
final class ClipLanes {
    private ClipLanes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * o[oo + j] = select(x[xo + j]) for j < len. {@code viaDouble}: as {@link Elementwise#clipBlock}'s, the value
     * passes through float64 and back, which is the float select's value except for a NaN (the conversions may
     * quiet it); a vector holding a NaN takes the scalar form.
     */
    static void clip(float[] x, int xo, float[] o, int oo, int len, float lo, float hi, boolean viaDouble) {
        int j = 0;
        for (int end = F.loopBound(len); j < end; j += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + j);
            if (viaDouble && v.test(VectorOperators.IS_NAN).anyTrue()) {
                scalar(x, xo + j, o, oo + j, F.length(), lo, hi, true);
                continue;
            }
            v.blend(hi, v.compare(VectorOperators.GT, hi)).blend(lo, v.compare(VectorOperators.LT, lo)).intoArray(o, oo + j);
        }
        scalar(x, xo + j, o, oo + j, len - j, lo, hi, viaDouble);
    }

    private static void scalar(float[] x, int xo, float[] o, int oo, int len, float lo, float hi, boolean viaDouble) {
        for (int j = 0; j < len; j++) {
            if (viaDouble) {
                double v = x[xo + j];
                o[oo + j] = (float) (v < lo ? lo : v > hi ? hi : v);
            } else {
                float v = x[xo + j];
                o[oo + j] = v < lo ? lo : v > hi ? hi : v;
            }
        }
    }
}
