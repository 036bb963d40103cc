package io.verity.engine.det.ops.norm;

import io.verity.engine.det.tensor.VectorModule;
import io.verity.engine.det.tensor.Special;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * verity-det/3's exp ({@link Special#exp3}) of {@code x[i] - mx} on Vector API lanes, for float32 Softmax: each lane
 * does the scalar's plain multiplies, adds and subtracts in its order (no FMA; T[k & 31] by a gather), so every
 * element gets the scalar's bits ({@code ExpLanesTest}). Lanes stay on exp3's main path: a vector with an argument
 * outside [-707, 708] (where 2^m may leave the normal range, or the result is 0, +inf or NaN) takes the scalar form.
 * Loaded only when the JVM has {@code jdk.incubator.vector} ({@link VectorModule#PRESENT}).
 */
final class ExpLanes {
    private ExpLanes() {}

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** float32 and int species with as many lanes as {@link #D}. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final double[] T = Special.exp3Table();
    /** v + 1.5 * 2^52 - 1.5 * 2^52 rounds v to an integer, ties to even, for |v| < 2^51: Math.rint but for a zero's sign. */
    private static final double ROUND = 0x1.8p52;
    private static final long SIGN = Long.MIN_VALUE;

    /** e[k] = exp3(x[from + k] - mx) for k < n. */
    static void exp(float[] x, int from, double mx, double[] e, int n) {
        int[] row = new int[D.length()];
        int k = 0;
        for (int end = D.loopBound(n); k < end; k += D.length()) {
            DoubleVector a = ((DoubleVector) FloatVector.fromArray(F, x, from + k).convertShape(VectorOperators.F2D, D, 0)).sub(mx);
            if (!a.compare(VectorOperators.GE, -707.0).and(a.compare(VectorOperators.LE, 708.0)).allTrue()) { // and NaN
                scalar(x, from + k, mx, e, k, D.length());
                continue;
            }
            DoubleVector v = a.mul(Special.EXP3_INV);
            // rint: the rounded magnitude with v's sign (rint(-0.3) is -0.0)
            DoubleVector kd = v.add(ROUND).sub(ROUND).reinterpretAsLongs().or(v.reinterpretAsLongs().and(SIGN)).reinterpretAsDoubles();
            DoubleVector r = a.sub(kd.mul(Special.EXP3_L1)).sub(kd.mul(Special.EXP3_L2));
            DoubleVector p = r.mul(1.0 / 120).add(1.0 / 24).mul(r).add(1.0 / 6).mul(r).add(0.5).mul(r).add(1).mul(r).add(1);
            LongVector kl = (LongVector) kd.convert(VectorOperators.D2L, 0);
            ((IntVector) kl.and(31).convertShape(VectorOperators.L2I, I, 0)).intoArray(row, 0);
            DoubleVector scale = kl.lanewise(VectorOperators.ASHR, 5).add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
            DoubleVector.fromArray(D, T, 0, row, 0).mul(p).mul(scale).intoArray(e, k);
        }
        scalar(x, from + k, mx, e, k, n - k);
    }

    private static void scalar(float[] x, int xo, double mx, double[] e, int eo, int len) {
        for (int j = 0; j < len; j++) e[eo + j] = Special.exp3(x[xo + j] - mx);
    }
}
