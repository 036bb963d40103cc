package io.verity.gateway.tensor;

import io.verity.chain.contracts.ComparisonRule;
import io.verity.gateway.policy.Agreement;
import io.verity.gateway.policy.Answer;
import io.verity.protocol.Keccak256;
import io.verity.protocol.receipt.SignedReceipt;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorComparison;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * When two floating-point engines' answers count as the same: within this tolerance as {@link TensorComparison}
 * defines it (shared with committee members judging disputes). Answers of one deterministic contract are compared by outputs digest alone, bit for bit, and so is every
 * engine under {@link #BIT_EXACT} (abs = rel = 0). A model's on-chain {@link ComparisonRule} converts to and
 * from this exactly ({@link #of(ComparisonRule)}, {@link #toRule()}).
 */
public record Tolerance(double abs, double rel) {
    public static final Tolerance DEFAULT = new Tolerance(1e-5, 1e-4);
    /** Zero tolerance: answers agree only with equal outputs digests (signed zeros and NaN payloads included). */
    public static final Tolerance BIT_EXACT = new Tolerance(0, 0);

    public Tolerance {
        if (!(abs >= 0 && rel >= 0)) throw new IllegalArgumentException("tolerance must be >= 0, got abs=" + abs + " rel=" + rel);
    }

    /**
     * The tolerance a gateway compares with under a model's on-chain rule; empty for {@link ComparisonRule.None},
     * which says no comparison is sound (the gateway then keeps its configured tolerance).
     */
    public static Optional<Tolerance> of(ComparisonRule rule) {
        return switch (rule) {
            case ComparisonRule.BitExact b -> Optional.of(BIT_EXACT);
            case ComparisonRule.Tolerance t -> Optional.of(new Tolerance(t.abs(), t.rel()));
            case ComparisonRule.None n -> Optional.empty();
        };
    }

    /**
     * This tolerance as an on-chain rule, exactly.
     *
     * @throws IllegalArgumentException when abs or rel is not a multiple of 1e-9 up to 1e6
     */
    public ComparisonRule.Tolerance toRule() {
        return ComparisonRule.Tolerance.of(abs, rel);
    }

    /**
     * How two answers carrying tensors agree: bit-exact between answers of one deterministic contract (their
     * receipts' outputs digests), else within this tolerance. For any kind of answer: {@code /v1/infer}'s tensors, embeddings.
     *
     * @param receipt the answer's checked receipt
     * @param outputs the tensors its outputs digest commits to
     */
    public <A extends Answer> Agreement<A> agreement(Function<A, SignedReceipt> receipt, Function<A, List<Tensor>> outputs) {
        Tolerance tolerance = this;
        return new Agreement<>() {
            @Override
            public boolean same(A a, A b) {
                if (digest(a).equals(digest(b))) return true;
                // one deterministic contract is bit-exact; two (verity-det/2 and /3) differ in rounding, like two engines
                if (tolerance.equals(BIT_EXACT) || deterministic(a) && engine(a).equals(engine(b))) return false;
                return tolerance.same(outputs.apply(a), outputs.apply(b));
            }

            /** Identical digests (bit-exact), or the tolerance when some digests differ; none for one answer. */
            @Override
            public String comparison(List<A> answers) {
                if (answers.size() == 1) return "none";
                Keccak256 first = digest(answers.get(0));
                for (A a : answers) if (!digest(a).equals(first)) return tolerance.describe();
                return "bit-exact";
            }

            private Keccak256 digest(A a) {
                return receipt.apply(a).receipt().outputsDigest();
            }

            private boolean deterministic(A a) {
                return engine(a).startsWith("verity-det/");
            }

            private String engine(A a) {
                return receipt.apply(a).receipt().engine();
            }
        };
    }

    String describe() {
        return "tolerance:abs=" + abs + ",rel=" + rel;
    }

    boolean same(List<Tensor> a, List<Tensor> b) {
        return TensorComparison.within(a, b, abs, rel);
    }
}
