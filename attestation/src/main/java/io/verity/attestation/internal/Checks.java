package io.verity.attestation.internal;

import io.verity.attestation.EvidenceKind;
import io.verity.attestation.Facts;
import io.verity.attestation.Step;
import io.verity.attestation.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a verifier as a sequence of named steps and turns every outcome, including unexpected exceptions from
 * malformed input, into a {@link Verdict}. Nothing escapes {@link #verify}.
 */
public final class Checks {

    public interface Body {
        void run() throws Exception;
    }

    public interface Verification {
        Facts run(Checks checks) throws Exception;
    }

    private final List<Step> passed = new ArrayList<>();
    private Step current = Step.PARSE;
    private Facts facts;

    private Checks() {}

    public static Verdict verify(EvidenceKind kind, Verification verification) {
        Checks c = new Checks();
        try {
            Facts f = verification.run(c);
            return new Verdict.Valid(kind, f, c.passed);
        } catch (Failure e) {
            return new Verdict.Rejected(Optional.of(kind), e.step(), e.getMessage(), c.passed,
                    Optional.ofNullable(c.facts));
        } catch (Exception | StackOverflowError e) {
            return new Verdict.Rejected(Optional.of(kind), c.current, describe(e), c.passed,
                    Optional.ofNullable(c.facts));
        }
    }

    /** Runs {@code body} as {@code step}; any exception other than a {@link Failure} fails that step. */
    public void step(Step step, Body body) {
        current = step;
        try {
            body.run();
        } catch (Failure f) {
            throw f;
        } catch (Exception | StackOverflowError e) {
            throw new Failure(step, describe(e));
        }
        passed.add(step);
    }

    /** Records the parsed facts so that a later rejection can still show them. */
    public void facts(Facts parsed) {
        this.facts = parsed;
    }

    public static Failure fail(Step step, String reason) {
        return new Failure(step, reason);
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
