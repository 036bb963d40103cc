package io.verity.bench;

import java.util.Arrays;

/** Percentiles of a load run's latencies, one definition for every load tool so their tables compare. */
final class Latencies {
    private Latencies() {}

    /** The {@code p} quantile (0..1, nearest rank) of {@code nanos} in milliseconds; NaN when there are none. */
    static double percentileMs(long[] nanos, double p) {
        long[] l = nanos.clone();
        Arrays.sort(l);
        return l.length == 0 ? Double.NaN : l[(int) Math.min(l.length - 1, Math.floor(p * l.length))] / 1e6;
    }
}
