package io.verity.node.hub;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A download progress display: on a terminal one line redrawn in place (percent, MB done of total, rate), at
 * most every 100 ms; otherwise (logs, pipes) a plain line each time another 10% is done.
 */
final class Progress {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final double MB = 1024.0 * 1024.0;

    private final PrintStream out;
    private final boolean interactive;
    private final long total;
    private final LongSupplier nanoTime;
    private final String label;
    private final long start;
    private long lastDraw = Long.MIN_VALUE;
    private int lastDecile;
    private long done;

    Progress(PrintStream out, boolean interactive, long total, LongSupplier nanoTime, String label) {
        this.out = out;
        this.interactive = interactive;
        this.total = total;
        this.nanoTime = nanoTime;
        this.label = label;
        this.start = nanoTime.getAsLong();
    }

    long done() {
        return done;
    }

    void update(long bytes) {
        done = bytes;
        long now = nanoTime.getAsLong();
        if (interactive) {
            if (lastDraw == Long.MIN_VALUE || now - lastDraw >= REDRAW_NANOS) {
                lastDraw = now;
                out.print("\r" + line(now));
                out.flush();
            }
        } else {
            int decile = total <= 0 ? 10 : (int) Math.min(10, bytes * 10 / total);
            if (decile > lastDecile) {
                lastDecile = decile;
                out.println(line(now));
            }
        }
    }

    /** Draws the final state; on a terminal, ends the line. */
    void finish() {
        long now = nanoTime.getAsLong();
        if (interactive) {
            out.println("\r" + line(now));
        }
        out.flush();
    }

    String line(long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        int percent = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
        return String.format(Locale.ROOT, "%s %3d%% %.1f/%.1f MB %.1f MB/s",
                label, percent, done / MB, Math.max(total, done) / MB, done / MB / seconds);
    }
}
