package io.verity.chain.contracts;

import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorComparison;
import io.verity.protocol.tensor.TensorDigests;
import java.math.BigDecimal;
import java.util.List;

/**
 * How two answers of a model count as the same, as ModelRegistry records it with the model (docs/protocol.md,
 * "Comparison rules"): bit for bit, within an absolute/relative tolerance, or not comparable at all. Gateways
 * use it for {@code redundant:k} and audits, committee disputes to judge an accused answer.
 */
public sealed interface ComparisonRule {
    /** Tolerances are integers on chain: parts per this scale (ModelRegistry.TOLERANCE_SCALE). */
    long SCALE = 1_000_000_000L;
    /** The largest tolerance in parts per {@link #SCALE} (ModelRegistry.MAX_TOLERANCE), i.e. 1e6. */
    long MAX = 1_000_000_000_000_000L;

    /** The kind's number in the contract's RuleKind enum. */
    int kind();

    /** Deterministic engines: the outputs digests must be equal. */
    record BitExact() implements ComparisonRule {
        @Override
        public int kind() {
            return 1;
        }
    }

    /**
     * Floating-point engines: float elements agree when {@code |a − b| <= abs + rel·|b|}, with {@code abs} and
     * {@code rel} in parts per {@link #SCALE} (on chain they are integers, so every party compares the same numbers).
     */
    record Tolerance(long absPpb, long relPpb) implements ComparisonRule {
        public Tolerance {
            if (absPpb < 0 || absPpb > MAX || relPpb < 0 || relPpb > MAX) {
                throw new IllegalArgumentException("tolerance must be in 0.." + MAX + " parts per 1e9, got abs="
                        + absPpb + " rel=" + relPpb);
            }
        }

        /**
         * The tolerance of these decimal values, exactly: each must be a multiple of 1e-9 in [0, 1e6] as its
         * shortest decimal form shows (1e-5 is, 1.5e-10 is not).
         *
         * @throws IllegalArgumentException naming the value that is not
         */
        public static Tolerance of(double abs, double rel) {
            return new Tolerance(ppb("abs", abs), ppb("rel", rel));
        }

        /** The absolute tolerance as a double: the one nearest {@code absPpb / 1e9}. */
        public double abs() {
            return absPpb / (double) SCALE;
        }

        /** The relative tolerance as a double: the one nearest {@code relPpb / 1e9}. */
        public double rel() {
            return relPpb / (double) SCALE;
        }

        @Override
        public int kind() {
            return 2;
        }

        // Exact because a double's shortest decimal form (Double.toString, JDK 19+) is what users wrote, and every
        // multiple of 1e-9 up to MAX has at most 15 significant digits, which a double keeps.
        private static long ppb(String field, double value) {
            if (!(value >= 0 && value <= MAX / (double) SCALE)) {
                throw new IllegalArgumentException(field + " tolerance must be in [0, 1e6], got " + value);
            }
            BigDecimal scaled = BigDecimal.valueOf(value).movePointRight(9).stripTrailingZeros();
            if (scaled.scale() > 0) {
                throw new IllegalArgumentException(field + " tolerance must be a multiple of 1e-9 (the chain stores parts"
                        + " per 1e9), got " + value);
            }
            return scaled.longValueExact();
        }
    }

    /**
     * No sound comparison: language models sampled by the node or proxied upstream, and every model whose owner set
     * no rule. Such a model is left out of committee disputes; gateways keep their configured tolerance for it.
     */
    record None() implements ComparisonRule {
        @Override
        public int kind() {
            return 0;
        }
    }

    BitExact BIT_EXACT = new BitExact();
    None NONE = new None();

    /** The rule the contract returns from {@code ruleOf}: kind 0 None, 1 BitExact, 2 Tolerance. */
    static ComparisonRule of(int kind, long absPpb, long relPpb) {
        return switch (kind) {
            case 0 -> NONE;
            case 1 -> BIT_EXACT;
            case 2 -> new Tolerance(absPpb, relPpb);
            default -> throw new IllegalArgumentException("unknown rule kind " + kind + " (0 None, 1 BitExact, 2 Tolerance)");
        };
    }

    /** The tolerance on chain, parts per 1e9; zero for the other kinds. */
    default long absPpb() {
        return 0;
    }

    /** The relative tolerance on chain, parts per 1e9; zero for the other kinds. */
    default long relPpb() {
        return 0;
    }

    /**
     * Whether {@code answer} agrees with {@code reference} (a committee member's own re-run) under this rule: equal
     * tensors digests for {@link BitExact}, {@link TensorComparison#within} for {@link Tolerance}.
     *
     * @throws IllegalStateException under {@link None}, which compares nothing
     */
    default boolean agrees(List<Tensor> answer, List<Tensor> reference) {
        return switch (this) {
            case BitExact b -> TensorDigests.tensorsDigest(answer).equals(TensorDigests.tensorsDigest(reference));
            case Tolerance t -> TensorComparison.within(answer, reference, t.abs(), t.rel());
            case None n -> throw new IllegalStateException("rule None compares no answers");
        };
    }

    /** As the CLI and docs write it: {@code bit-exact}, {@code tolerance:abs=1.0E-5,rel=1.0E-4}, {@code none}. */
    default String describe() {
        return switch (this) {
            case BitExact b -> "bit-exact";
            case Tolerance t -> "tolerance:abs=" + t.abs() + ",rel=" + t.rel();
            case None n -> "none";
        };
    }
}
