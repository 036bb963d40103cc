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

    /**
     * verity-det/3's erf, for its Erf operator on float32: ±1 from {@link #ERF_IS_ONE} on; below, one polynomial
     * per quarter, evaluated by Horner's rule in float64 (plain {@code *} and {@code +}, so every JVM computes the
     * same bits): on [0, 0.25) {@code x * q(x^2)} (odd, so tiny x keep their relative accuracy), on
     * [i/4, (i+1)/4) {@code p_i(x - (i/4 + 1/8))}. Coefficients: Chebyshev fits of erf in 50-digit arithmetic
     * (mpmath), fit error below 3e-18, far below float32's resolution; about 15 ns instead of the series' hundreds.
     */
    public static double erf3(double x) {
        // Written without early returns and with one 12-term loop over a flat table (q padded with leading zeros:
        // Horner's first steps then give +0, +0 + q0 = q0, the same bits as starting at q0), so the JIT unrolls it and
        // the data-dependent branches become selects: about twice as fast, the same value.
        double ax = Math.abs(x);
        int i = Math.min((int) (ax * 4), 15), o = 12 * i; // row 0 (ax < 0.25): q in x^2; NaN -> 0, huge -> 15
        boolean small = i == 0;
        double t = small ? ax * ax : ax - (i * 0.25 + 0.125), s = ERF3_FLAT[o];
        for (int k = 1; k < 12; k++) s = s * t + ERF3_FLAT[o + k];
        double r = ax >= ERF_IS_ONE ? 1.0 : small ? ax * s : s;
        return x != x ? x : Math.copySign(r, x);
    }

    /** {@link #ERF3} as one array of 16 rows of 12: row 0 is q with four leading zeros. */
    private static final double[] ERF3_FLAT = new double[16 * 12];

    /** A copy of {@link #erf3}'s table: 16 rows of 12 coefficients, highest power first (for a lane-wise erf3). */
    public static double[] erf3Table() {
        return ERF3_FLAT.clone();
    }

    /** Row 0: q, highest power first; row i (1..15): p_i, highest power first. */
    static final double[][] ERF3 = {
            {-0x1.e736c732456a2p-17, 0x1.f97724147f5c4p-14, -0x1.c02d69b1f611ap-11, 0x1.565bccc8d8b41p-8, -0x1.b82ce31241ee4p-6, 0x1.ce2f21a0429acp-4, -0x1.812746b0379e6p-2, 0x1.20dd750429b6dp+0},
            {0x1.e2d97b635be81p-14, -0x1.0584ed76f37aap-9, 0x1.043177cc35844p-13, 0x1.7098aae6a21aap-7, -0x1.65c10c783c90dp-8, -0x1.9a7944be66245p-5, 0x1.7488b8a80e647p-5, 0x1.5529abccc0e07p-3, -0x1.e106c51d1efc4p-3, -0x1.78749a434fda0p-2, 0x1.f5f0cdaf15313p-1, 0x1.9dd0d2b721f39p-2},
            {0x1.61097834adbfdp-11, -0x1.80141b1a9e8f8p-11, -0x1.dc3889d810d90p-9, 0x1.b62eba164eaf3p-8, 0x1.c7cd9ab14a5eep-7, -0x1.52b2666914c7bp-5, -0x1.c1242dff5208fp-6, 0x1.6963c8a394a22p-3, -0x1.c8105021684b6p-5, -0x1.e8a3c39181e6dp-2, 0x1.86e9694134b9ep-1, 0x1.3f196dcd0f135p-1},
            {0x1.9792cf62e415bp-12, 0x1.d22b9babc231bp-11, -0x1.aae160aa13dabp-9, -0x1.e3ea35cb11457p-10, 0x1.30ac215e3e32cp-6, -0x1.53bb4d1a8d5b4p-7, -0x1.1350f4b216313p-4, 0x1.cc60567dcb2f2p-4, 0x1.7c9d756a11577p-4, -0x1.d62beb64e84b2p-2, 0x1.0cab61f084b93p-1, 0x1.91724951b8fc6p-1},
            {-0x1.6e432174e4fb9p-13, 0x1.2c9625343c636p-10, -0x1.79bb2c79f597dp-12, -0x1.8b41d0bfe168ep-8, 0x1.3acc78f6568cfp-7, 0x1.fd1c6a0c1b1e0p-7, -0x1.f65d15f1f9ca6p-5, 0x1.ca5083176cd42p-6, 0x1.4cb3cf0aa0bd5p-3, -0x1.6ea6cf452e88bp-2, 0x1.45e99bcbb7915p-2, 0x1.c6dad2829ec62p-1},
            {-0x1.6186925b1a49ep-12, 0x1.54b3ebfeac25bp-12, 0x1.9da1871f90f2ep-10, -0x1.1740ab24a012cp-8, -0x1.73ffa4f2322fbp-10, 0x1.6b16f560081acp-6, -0x1.f572c4c90f4a0p-6, -0x1.f3b8d52d65ce9p-6, 0x1.4374d82e04c98p-3, -0x1.dfbbadedf5d0dp-3, 0x1.5ce595c455b0ap-3, 0x1.e5768c3b4a3fcp-1},
            {-0x1.07f2942f29257p-13, -0x1.70f66e215ee0ap-12, 0x1.71cdb33e5aa43p-10, -0x1.2e4d9de469b58p-11, -0x1.954ab113ee578p-8, 0x1.d857f405e8b95p-7, -0x1.17d430bd1edc1p-9, -0x1.974c0368b26acp-5, 0x1.d6631e1a28e95p-4, -0x1.0bcfca2194774p-3, 0x1.499d478bca735p-4, 0x1.f4f693b67bd77p-1},
            {0x1.312b5209d33c1p-14, -0x1.9755ea0d15658p-12, 0x1.7bdf0e2c4fecap-12, 0x1.76fd58c2a6dbcp-10, -0x1.42fcbb40519b4p-8, 0x1.0d099d8433ba5p-8, 0x1.779b1e574b71ep-7, -0x1.5a316520d72b3p-5, 0x1.143d1c6f4f062p-4, -0x1.01a1c847fa1b2p-4, 0x1.12ceb37ff9bc3p-5, 0x1.fbe61eef4cf6ap-1},
            {0x1.8c2cbbbde9747p-14, -0x1.02ee7acbf3cc4p-13, -0x1.2fd94f6272590p-12, 0x1.6aa39274cbc62p-10, -0x1.ea03bc1db74a1p-10, -0x1.dd78efc7aa65cp-10, 0x1.9973b48a1754cp-7, -0x1.afe553fa2b847p-6, 0x1.0ea475da3be57p-5, -0x1.ada873606f135p-6, 0x1.94624e78e0fafp-7, 0x1.fea4218d6594ap-1},
            {0x1.0a61099461ab4p-15, 0x1.c2bf325fecd8fp-15, -0x1.61ed2093c695fp-12, 0x1.377e903c78e31p-11, 0x1.0283e390eb655p-13, -0x1.982b287bcb7bfp-9, 0x1.11dae4734632bp-7, -0x1.ae59615f4763cp-7, 0x1.c1ec102e3652bp-7, -0x1.37ccd585f57d2p-7, 0x1.06918b6355624p-8, 0x1.ff9960f3eb327p-1},
            {-0x1.53f781a2f8ce9p-17, 0x1.34e03bad6df21p-14, -0x1.4008911631e6ep-13, 0x1.22aad1ff5ec7ep-15, 0x1.64f892a42fd68p-11, -0x1.267f3c2685aabp-9, 0x1.146c4b3e0c3f8p-8, -0x1.62d4c6d46e3ffp-8, 0x1.407fbd18f129dp-8, -0x1.8af14828c01a2p-9, 0x1.2ce898809244ep-10, 0x1.ffe514bbdc197p-1},
            {-0x1.ef219c71728b5p-17, 0x1.18df44e8fb689p-15, -0x1.0ec8f02c90ac9p-16, -0x1.1c64e2cd46235p-13, 0x1.151f789ab71cbp-11, -0x1.2add1cac8eeb1p-10, 0x1.c11f27063bc8fp-10, -0x1.ed4ac7db216e4p-10, 0x1.89e17c074d427p-10, -0x1.b5781e9d7c3eap-11, 0x1.30538fbb77ecdp-12, 0x1.fff9ba420e834p-1},
            {-0x1.ac797b25b8411p-18, 0x1.0c8410e96fd02p-18, 0x1.aaff2ff947d6bp-16, -0x1.d2aed4fcbf6a3p-14, 0x1.176cf6341dee3p-12, -0x1.da496d13c99f2p-12, 0x1.2e7e763d49ed7p-11, -0x1.24544f03686b3p-11, 0x1.a3737e2a2f1c6p-12, -0x1.a8670aa9998e6p-13, 0x1.0f9e1b4dd36dfp-14, 0x1.fffeb3ebb267bp-1},
            {-0x1.6b294e4729e88p-21, -0x1.3193ec71a7962p-18, 0x1.64c6d1c108577p-16, -0x1.cc175cf8e2c78p-15, 0x1.ac999704d61bcp-14, -0x1.330aaa7ca787bp-13, 0x1.57757788c4d89p-13, -0x1.298f8d46e1d55p-13, 0x1.84522fe881164p-14, -0x1.690585ca90b67p-15, 0x1.abe09e9144b60p-17, 0x1.ffffc316d9ed0p-1},
            {0x1.ac810845afcbcp-21, -0x1.f29b2a0cae15cp-19, 0x1.51667115f1e2fp-17, -0x1.510a840f07070p-16, 0x1.085c0eee934ecp-15, -0x1.4b981fe883cd7p-15, 0x1.4c1fe48ae502ap-15, -0x1.05760ad2036e9p-15, 0x1.394b1fa670b7fp-16, -0x1.0d88765d31c40p-17, 0x1.296a70f414056p-19, 0x1.fffff618c3da6p-1},
            {0x1.3fe6871d5d01cp-21, -0x1.bd6ae1950c0bep-20, 0x1.d25c64d8df19cp-19, -0x1.888385a064df7p-18, 0x1.0d8c35bad4b31p-17, -0x1.2eb292a7b5c82p-17, 0x1.137172181077fp-17, -0x1.8e1fc4118b714p-18, 0x1.b95fa39b39e30p-19, -0x1.617a9cedde0a9p-20, 0x1.6ce1aa3fd7bdep-22, 0x1.fffffe92ced93p-1}
    };

    /**
     * verity-det/3's exp (Softmax, LogSoftmax, Sigmoid, Tanh and the recurrent gates), in float64 with plain
     * {@code *}, {@code +} and {@code -} (no FMA, no StrictMath call), so every JVM computes the same bits:
     * {@code k = rint(x * 32/ln2)}, {@code r = (x - k * L1) - k * L2} (L1 + L2 = ln2/32, L1 with trailing zero bits
     * so {@code k * L1} is exact), {@code exp(x) = 2^(k >> 5) * (T[k & 31] * p(r))} with T[j] = 2^(j/32) (StrictMath,
     * computed once) and p the degree-5 Taylor polynomial of e^r by Horner's rule; |r| <= ln2/64, so the
     * truncation is below 3e-15 relative. Below -745.2 it is +0, above 709.782712893384 +inf. About a third of
     * StrictMath.exp's time. {@code SpecialTest} bounds its distance from StrictMath.exp on a dense float32 sweep.
     */
    public static double exp3(double x) {
        if (!(x > -745.2)) return x != x ? x : 0.0;
        if (x > 709.782712893384) return Double.POSITIVE_INFINITY; // where StrictMath.exp overflows
        double k = Math.rint(x * EXP3_INV);
        double r = (x - k * EXP3_L1) - k * EXP3_L2;
        double p = 1 + r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
        int ki = (int) k, m = ki >> 5;
        double v = EXP3_T[ki & 31] * p; // in [0.98, 2.03): times 2^m is exact (as scalb) while the result is normal
        return m >= -1021 && m <= 1022 ? v * Double.longBitsToDouble((long) (m + 1023) << 52) : Math.scalb(v, m);
    }

    /** verity-det/3's logistic sigmoid: {@code 1 / (1 + exp3(-x))}. */
    public static double sigmoid3(double x) {
        return 1.0 / (1.0 + exp3(-x));
    }

    /**
     * verity-det/3's tanh: {@code x - x^3/3} for |x| < 2^-10 (relative error below 1e-13), else
     * {@code sign(x) * (1 - 2 / (exp3(2|x|) + 1))}; NaN stays NaN.
     */
    public static double tanh3(double x) {
        double ax = Math.abs(x);
        if (ax < 0x1p-10) return x - x * x * x / 3;
        if (!(ax < 20)) return x != x ? x : Math.copySign(1.0, x);
        return Math.copySign(1 - 2 / (exp3(2 * ax) + 1), x);
    }

    public static final double EXP3_INV = 0x1.71547652b82fep0 * 32; // 32 / ln2
    public static final double EXP3_L1 = 0x1.62e42fee00000p-6; // ln2 / 32, high bits
    public static final double EXP3_L2 = 0x1.a39ef35793c76p-38; // ln2 / 32 - EXP3_L1

    /** A copy of {@link #exp3}'s table T[j] = 2^(j/32) (for a lane-wise exp3). */
    public static double[] exp3Table() {
        return EXP3_T.clone();
    }
    static final double[] EXP3_T = new double[32];

    static {
        for (int j = 0; j < 32; j++) EXP3_T[j] = StrictMath.pow(2, j / 32.0);
    }

    static {
        for (int i = 0; i < 16; i++) System.arraycopy(ERF3[i], 0, ERF3_FLAT, 12 * i + 12 - ERF3[i].length, ERF3[i].length);
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
