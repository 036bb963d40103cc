package io.verity.node.serve;

import java.util.Locale;

/**
 * When a det node commits to the execution trace of an answer ({@code --det-trace}; docs/deterministic-engine.md,
 * "Trace on challenge").
 */
public enum DetTrace {
    /** Serve untraced and sign {@code Receipt.TRACE_ON_CHALLENGE}; recompute and commit the trace if challenged (default). */
    ON_CHALLENGE,
    /** Trace every run and sign its real root up front: ~10x an untraced run, a root to contradict without a commit. */
    EAGER;

    /** The flag's spelling. */
    public String flagValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @throws IllegalArgumentException naming both values and what arrived */
    public static DetTrace parse(String value) {
        for (DetTrace t : values()) {
            if (t.flagValue().equals(value)) return t;
        }
        throw new IllegalArgumentException("det trace must be on-challenge or eager, got " + (value == null ? "null" : "'" + value + "'"));
    }
}
