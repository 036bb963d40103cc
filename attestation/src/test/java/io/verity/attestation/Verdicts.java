package io.verity.attestation;

import static org.assertj.core.api.Assertions.assertThat;

/** The verdict assertions every attestation test uses: the kind of verdict, and the step that rejected it. */
public final class Verdicts {
    private Verdicts() {}

    public static Verdict.Valid valid(Verdict v) {
        assertThat(v).as(v.toString()).isInstanceOf(Verdict.Valid.class);
        return (Verdict.Valid) v;
    }

    public static Verdict.Rejected rejected(Verdict v, Step step) {
        assertThat(v).as(v.toString()).isInstanceOf(Verdict.Rejected.class);
        Verdict.Rejected r = (Verdict.Rejected) v;
        assertThat(r.failed()).as(r.reason()).isEqualTo(step);
        return r;
    }
}
