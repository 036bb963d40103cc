package io.verity.engine.onnxruntime;

import java.util.Objects;

/**
 * How {@link OnnxRuntimeEngine} configures every ONNX Runtime session it creates.
 *
 * <p>Defaults ({@link #defaults()}): one intra-op thread, one inter-op thread, {@link Optimization#EXTENDED}.
 * The default optimization level is deliberately below ONNX Runtime's own default ({@code ALL}): the
 * {@code LAYOUT}/{@code ALL} levels rewrite convolutions into blocked layouts whose block size is chosen from
 * the CPU's vector width, so the same model and inputs can give different float bits on different machines.
 * Settings that can change output bits appear in the engine id (see {@link #idSuffix()}).
 *
 * <p>Measured on 2026-11-24 (ORT 1.29.0, AMD EPYC with AVX-512), max |difference| from the defaults on the
 * real models in {@code io.verity.testing.RealModels}: {@code opt=none} changed Silero VAD v5 (1.8e-7) and
 * PaddleOCR det (2.6e-5) and rec (1.2e-6); {@code opt=basic} changed rec (5.4e-7); {@code opt=layout}/{@code all}
 * changed det (7.2e-5) and rec (2.9e-6); {@code intra=2} changed det (6.5e-6); {@code inter=2} changed
 * nothing. Hence optimization and intra-op threads are in the id and inter-op threads are not.
 *
 * @param intraOpThreads threads one operator may use, 1 to {@value #MAX_THREADS}; more than one can change the
 *     order of floating-point reductions, so it is part of the engine id
 * @param interOpThreads threads running independent graph nodes concurrently, 1 to {@value #MAX_THREADS}; each
 *     node computes the same values whichever thread runs it, so it is not part of the engine id
 * @param optimization graph optimization level applied when a session is created
 */
public record OnnxRuntimeSettings(int intraOpThreads, int interOpThreads, Optimization optimization) {
    public static final int MAX_THREADS = 256;

    /** ONNX Runtime graph optimization levels, lowest first. */
    public enum Optimization {
        /** No graph rewriting: every node runs as written. */
        DISABLED("none"),
        /** Semantics-preserving rewrites: constant folding, redundant node elimination. */
        BASIC("basic"),
        /** BASIC plus operator fusions (e.g. Conv+Add, MatMul+Add to Gemm, Gelu, LayerNorm). */
        EXTENDED("extended"),
        /** EXTENDED plus layout transformations (NCHWc blocking sized for this CPU). */
        LAYOUT("layout"),
        /** Everything ONNX Runtime has; its own default. */
        ALL("all");

        private final String idName;

        Optimization(String idName) {
            this.idName = idName;
        }

        /** The spelling used in engine ids, e.g. {@code opt=all}. */
        public String idName() {
            return idName;
        }
    }

    public OnnxRuntimeSettings {
        Objects.requireNonNull(optimization, "optimization");
        checkThreads("intraOpThreads", intraOpThreads);
        checkThreads("interOpThreads", interOpThreads);
    }

    private static void checkThreads(String field, int value) {
        if (value < 1 || value > MAX_THREADS) {
            throw new IllegalArgumentException(field + " must be between 1 and " + MAX_THREADS + ", got " + value);
        }
    }

    /** One intra-op thread, one inter-op thread, {@link Optimization#EXTENDED}. */
    public static OnnxRuntimeSettings defaults() {
        return new OnnxRuntimeSettings(1, 1, Optimization.EXTENDED);
    }

    public OnnxRuntimeSettings withIntraOpThreads(int threads) {
        return new OnnxRuntimeSettings(threads, interOpThreads, optimization);
    }

    public OnnxRuntimeSettings withInterOpThreads(int threads) {
        return new OnnxRuntimeSettings(intraOpThreads, threads, optimization);
    }

    public OnnxRuntimeSettings withOptimization(Optimization level) {
        return new OnnxRuntimeSettings(intraOpThreads, interOpThreads, level);
    }

    /**
     * The part of the engine id that describes these settings: empty for the defaults, otherwise
     * {@code /opt=<level>} when the optimization level differs and {@code /intra=<n>} when intra-op threads
     * differ, in that order, e.g. {@code /opt=all/intra=4}. Inter-op threads never appear (they cannot change
     * results).
     */
    public String idSuffix() {
        OnnxRuntimeSettings d = defaults();
        StringBuilder s = new StringBuilder();
        if (optimization != d.optimization) s.append("/opt=").append(optimization.idName());
        if (intraOpThreads != d.intraOpThreads) s.append("/intra=").append(intraOpThreads);
        return s.toString();
    }
}
