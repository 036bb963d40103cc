package io.verity.attestation;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of verifying one piece of evidence: either {@link Valid} with the facts it attests, or
 * {@link Rejected} naming the failing {@link Step} and why. Both list the steps that passed, in order.
 * Verifiers never throw for malformed input; they return {@code Rejected} at {@link Step#PARSE}.
 */
public sealed interface Verdict permits Verdict.Valid, Verdict.Rejected {

    /** Steps that passed, in the order they ran. */
    List<Step> passed();

    default boolean isValid() {
        return this instanceof Valid;
    }

    /** The evidence verified against the policy; {@code facts} are trustworthy. */
    record Valid(EvidenceKind kind, Facts facts, List<Step> passed) implements Verdict {
        public Valid {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(facts, "facts");
            passed = List.copyOf(passed);
        }
    }

    /**
     * The evidence was rejected at {@code failed}. {@code kind} is empty when the format could not be detected;
     * {@code facts} are present when parsing succeeded (they are then what the evidence claims, not verified).
     */
    record Rejected(Optional<EvidenceKind> kind, Step failed, String reason, List<Step> passed,
                    Optional<Facts> facts) implements Verdict {
        public Rejected {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(failed, "failed");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(facts, "facts");
            passed = List.copyOf(passed);
        }

        @Override
        public String toString() {
            return "rejected at " + failed.id() + ": " + reason;
        }
    }
}
