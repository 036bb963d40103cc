package io.verity.engine.det.ops.math;

import io.verity.engine.det.tensor.VectorModule;
import io.verity.engine.det.tensor.Special;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * verity-det/3's Erf on float32 ({@link Special#erf3}, rounded to float32) on Vector API lanes: each lane does the
 * scalar's operations in its order (plain multiply then add, no FMA; the row's coefficients by a gather at the
 * row's index), and the scalar's selects become blends, so every element gets the scalar's bits ({@code
 * ErfLanesTest}). Loaded only when the JVM has {@code jdk.incubator.vector} ({@link VectorModule#PRESENT}). GELU's
 * Erf was the largest elementwise cost in a transformer; the JIT does not vectorise the scalar form (a table row per
 * element).
 */
final class ErfLanes {
    private ErfLanes() {}

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** float32 and int species with as many lanes as {@link #D}. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final double[] FLAT = Special.erf3Table();
    private static final int TERMS = 12;
    private static final long SIGN = Long.MIN_VALUE;

    /** o[i] = (float) erf3(x[i]) for i in [from, to). A vector holding a NaN takes the scalar form (a NaN's bits). */
    static void erf(float[] x, float[] o, int from, int to) {
        int[] row = new int[D.length()];
        int j = from;
        for (int end = from + D.loopBound(to - from); j < end; j += D.length()) {
            FloatVector xf = FloatVector.fromArray(F, x, j);
            if (xf.test(VectorOperators.IS_NAN).anyTrue()) {
                scalar(x, o, j, j + D.length());
                continue;
            }
            DoubleVector xv = (DoubleVector) xf.convertShape(VectorOperators.F2D, D, 0), ax = xv.abs();
            // (int) (ax * 4) then min 15 is the truncation of min(ax * 4, 15) for every non-NaN ax (huge ones too)
            IntVector i = (IntVector) ax.mul(4.0).min(15.0).convertShape(VectorOperators.D2I, I, 0);
            i.mul(TERMS).intoArray(row, 0);
            DoubleVector id = (DoubleVector) i.convertShape(VectorOperators.I2D, D, 0);
            VectorMask<Double> small = id.compare(VectorOperators.EQ, 0.0);
            DoubleVector t = ax.sub(id.mul(0.25).add(0.125)).blend(ax.mul(ax), small);
            DoubleVector s = DoubleVector.fromArray(D, FLAT, 0, row, 0);
            for (int k = 1; k < TERMS; k++) s = s.mul(t).add(DoubleVector.fromArray(D, FLAT, k, row, 0));
            DoubleVector r = s.blend(ax.mul(s), small).blend(1.0, ax.compare(VectorOperators.GE, (double) Special.ERF_IS_ONE));
            LongVector bits = r.reinterpretAsLongs().and(~SIGN).or(xv.reinterpretAsLongs().and(SIGN)); // copySign(r, x)
            ((FloatVector) bits.reinterpretAsDoubles().convertShape(VectorOperators.D2F, F, 0)).intoArray(o, j);
        }
        scalar(x, o, j, to);
    }

    private static void scalar(float[] x, float[] o, int from, int to) {
        for (int i = from; i < to; i++) o[i] = (float) Special.erf3(x[i]);
    }
}
