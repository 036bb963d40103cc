package io.verity.engine.det.ops.math;

import io.verity.engine.det.tensor.VectorModule;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 Clip's select, {@code v < lo ? lo : v > hi ? hi : v}, on Vector API lanes: two compares and two blends
 * per vector are that select lane by lane (a NaN or a -0 passes through as it is), so every element gets the scalar
 * select's bits. Loaded only when the JVM has {@code jdk.incubator.vector} ({@link VectorModule#PRESENT}). The JIT
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

    /**
     * The exporters' HardSwish, {@code (x * clip(x + c)) / d} (or {@code (clip(x + c) * x) / d}), for i in
     * [i0, i0 + len) into o (which may be x): each step the one float32 operation of its node, lane by lane, as
     * {@link Elementwise#hardSwish}'s passes compute it.
     */
    static void hardSwish(float[] x, int i0, float[] o, int len, float c, float lo, float hi, boolean viaDouble, boolean xFirst, float d) {
        int j = 0;
        for (int end = F.loopBound(len); j < end; j += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, i0 + j), t = xv.add(c);
            if (viaDouble && t.test(VectorOperators.IS_NAN).anyTrue()) {
                hardSwishScalar(x, i0 + j, o, F.length(), c, lo, hi, true, xFirst, d);
                continue;
            }
            FloatVector ct = t.blend(hi, t.compare(VectorOperators.GT, hi)).blend(lo, t.compare(VectorOperators.LT, lo));
            (xFirst ? xv.mul(ct) : ct.mul(xv)).div(d).intoArray(o, i0 + j);
        }
        hardSwishScalar(x, i0 + j, o, len - j, c, lo, hi, viaDouble, xFirst, d);
    }

    private static void hardSwishScalar(float[] x, int i0, float[] o, int len, float c, float lo, float hi, boolean viaDouble, boolean xFirst,
            float d) {
        for (int j = i0; j < i0 + len; j++) {
            float v = x[j], ct = select(v + c, lo, hi, viaDouble);
            o[j] = xFirst ? v * ct / d : ct * v / d;
        }
    }

    private static void scalar(float[] x, int xo, float[] o, int oo, int len, float lo, float hi, boolean viaDouble) {
        for (int j = 0; j < len; j++) o[oo + j] = select(x[xo + j], lo, hi, viaDouble);
    }

    private static float select(float v, float lo, float hi, boolean viaDouble) {
        if (!viaDouble) return v < lo ? lo : v > hi ? hi : v;
        double u = v;
        return (float) (u < lo ? lo : u > hi ? hi : u);
    }
}
