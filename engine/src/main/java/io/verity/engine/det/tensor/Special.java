package io.verity.engine.det.tensor;

/**
 * Functions StrictMath lacks, written in plain float64 arithmetic over StrictMath so they are as
 * reproducible as StrictMath itself. Accurate to well below float32 resolution, which is all the engine needs.
 */
public final class Special {
    private Special() {}

    public static double sigmoid(double x) {
        return 1.0 / (1.0 + StrictMath.exp(-x));
    }

    /**
     * From this float32 magnitude on, {@code (float) erf(x)} is +-1 exactly (checked for every float32 up to 6,
     * where {@link #erf} itself returns +-1, by {@code SpecialTest}).
     */
    public static final float ERF_IS_ONE = 3.919206f;

    /**
     * {@link #erf} for a float32 x whose result is rounded to float32: the same float32, without the continued
     * fraction and exp for |x| >= {@link #ERF_IS_ONE} (GELU's large pre-activations, a third of a transformer's
     * Erf time).
     */
    public static double erfForFloat(double x) {
        double ax = Math.abs(x);
        if (ax >= ERF_IS_ONE) return Math.copySign(1.0, x);
        if (!(ax >= STEPS_FROM)) return erf(x); // and NaN
        int i = java.util.Arrays.binarySearch(STEP_BITS, Float.floatToRawIntBits((float) ax));
        return Math.copySign(STEP_VALUE[i >= 0 ? i : -i - 2], x);
    }

    /**
     * On [3, {@link #ERF_IS_ONE}) erf goes through the continued fraction and exp, yet rounds to only a few hundred
     * float32 values: the float32 where each value starts ({@code STEP_BITS}, float bits) and the value, found by
     * bisection at class load (rounded erf is nondecreasing there; {@code SpecialTest} checks every float32).
     */
    private static final float STEPS_FROM = 3f;
    private static final int[] STEP_BITS;
    private static final float[] STEP_VALUE;

    static {
        int lo = Float.floatToRawIntBits(STEPS_FROM), end = Float.floatToRawIntBits(ERF_IS_ONE);
        int[] bits = new int[1024];
        float[] value = new float[1024];
        int n = 0;
        for (int at = lo; at < end; ) {
            float v = (float) erf(Float.intBitsToFloat(at));
            bits[n] = at;
            value[n++] = v;
            int a = at, b = end; // (float) erf is v at a; find the first bits in (a, end) where it exceeds v
            while (b - a > 1) {
                int mid = (a + b) >>> 1;
                if ((float) erf(Float.intBitsToFloat(mid)) > v) b = mid;
                else a = mid;
            }
            at = b;
        }
        STEP_BITS = java.util.Arrays.copyOf(bits, n);
        STEP_VALUE = java.util.Arrays.copyOf(value, n);
    }

    /** erf by its Maclaurin series below |x| = 3, by the continued fraction of erfc above, ±1 beyond 6. */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax >= 6) return Math.copySign(1.0, x);
        double r;
        if (ax < 3) {
            double x2 = ax * ax, term = ax, sum = ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
            }
            r = sum * 2.0 / StrictMath.sqrt(Math.PI);
        } else {
            // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom up
            double f = ax;
            for (int k = 60; k >= 1; k--) f = ax + (k / 2.0) / f;
            r = 1.0 - StrictMath.exp(-ax * ax) / StrictMath.sqrt(Math.PI) / f;
        }
        return Math.copySign(r, x);
    }
}
