package io.verity.engine.det.ops.pool;

import io.verity.engine.det.tensor.VectorModule;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One output row of float32 MaxPool on Vector API lanes, one output column per lane. Each output keeps MaxPool's
 * rule, in the same ky, kx order: a tap replaces the running maximum when it is NaN or greater. A compare and a
 * blend are that rule lane by lane, and a blend moves bits unchanged (NaN payloads and signed zeros included), so
 * every output has the scalar loop's bits. The scalar loop's branch on random data mispredicted about every
 * second tap (PaddleOCR cls's 2x2 MaxPool: ~6% of its run). Loaded only when the JVM has
 * {@code jdk.incubator.vector} ({@link VectorModule#PRESENT}).
 */
public final class MaxPoolLanes {
    private MaxPoolLanes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    /** The gather's index map for stride 2 (0, 2, 4, ...), the common strided pool. */
    private static final int[] STRIDE2 = strided(2);

    private static int[] strided(int sw) {
        int[] map = new int[LANES];
        for (int j = 0; j < LANES; j++) map[j] = j * sw;
        return map;
    }

    /**
     * o[ob + ox] = max rule of o[ob + ox] and x[xrow + ox * sw + off] for ox in [lo, hi): one tap (ky, kx) of
     * every output in the row.
     */
    public static void tap(float[] x, int xrow, int sw, int off, float[] o, int ob, int lo, int hi) {
        int ox = lo;
        if (sw == 1) {
            for (int end = lo + F.loopBound(hi - lo); ox < end; ox += LANES) {
                step(FloatVector.fromArray(F, x, xrow + ox + off), o, ob + ox);
            }
        } else {
            int[] map = sw == 2 ? STRIDE2 : strided(sw);
            for (int end = lo + F.loopBound(hi - lo); ox < end; ox += LANES) {
                step(FloatVector.fromArray(F, x, xrow + ox * sw + off, map, 0), o, ob + ox);
            }
        }
        for (; ox < hi; ox++) {
            float v = x[xrow + ox * sw + off];
            if (v != v || v > o[ob + ox]) o[ob + ox] = v;
        }
    }

    private static void step(FloatVector v, float[] o, int at) {
        FloatVector cur = FloatVector.fromArray(F, o, at);
        VectorMask<Float> take = v.compare(VectorOperators.GT, cur).or(v.test(VectorOperators.IS_NAN));
        cur.blend(v, take).intoArray(o, at);
    }
}
