package io.verity.engine.det.tensor;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A quantized weight (usually an initializer) minus its zero point, as int, with its largest magnitude and (made on
 * first use) the same values as float32 in column strips for MatMulInteger's exact lanes. Cached per weight array;
 * the zero point is compared by identity, since both are usually initializers.
 */
public final class QuantizedWeights {
    private static final Map<long[], QuantizedWeights> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    private final long[] zeroPoint;
    private final int[] values;
    private final long max;
    private volatile float[] packed;

    private QuantizedWeights(long[] zeroPoint, int[] values, long max) {
        this.zeroPoint = zeroPoint;
        this.values = values;
        this.max = max;
    }

    /** {@code b} minus {@code bz} (one zero point, one per column of the last axis of {@code N}, or none). */
    public static QuantizedWeights of(Arr b, Arr bz, int N) {
        long[] zp = bz == null ? null : bz.l;
        QuantizedWeights have = CACHE.get(b.l);
        if (have != null && have.zeroPoint == zp) return have;
        int[] y = new int[b.l.length];
        for (int i = 0; i < y.length; i++) y[i] = (int) (b.l[i] - (bz == null ? 0 : bz.size() == 1 ? bz.l[0] : bz.l[i % N]));
        long max = 0;
        for (int v : y) max = Math.max(max, Math.abs((long) v));
        QuantizedWeights q = new QuantizedWeights(zp, y, max);
        CACHE.put(b.l, q);
        return q;
    }

    public int[] values() {
        return values;
    }

    /** The largest magnitude of {@link #values}. */
    public long max() {
        return max;
    }

    /**
     * The values as float32 (exact: they are small integers) in strips of {@code ec} columns, each strip's K rows
     * contiguous, so that a strip stays in L1 (rows of b a power-of-two stride apart fall into few cache sets):
     * element (g, k, js * ec + c) of the [G, K, N] weight at ((g * (N / ec) + js) * K + k) * ec + c. Columns past
     * the last whole strip are left out (the caller computes them in int).
     */
    public float[] packed(int K, int N, int ec) {
        float[] f = packed;
        if (f == null) {
            int G = values.length / (K * N), NS = N / ec;
            f = new float[G * NS * K * ec];
            for (int g = 0; g < G; g++) for (int js = 0; js < NS; js++) for (int k = 0; k < K; k++) for (int c = 0; c < ec; c++) {
                f[((g * NS + js) * K + k) * ec + c] = values[(g * K + k) * N + js * ec + c];
            }
            packed = f;
        }
        return f;
    }
}
