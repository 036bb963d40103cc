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
        return Math.abs(x) >= ERF_IS_ONE ? Math.copySign(1.0, x) : erf(x);
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
