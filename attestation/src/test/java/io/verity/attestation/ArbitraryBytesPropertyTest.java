package io.verity.attestation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** Arbitrary bytes, claimed as any family or detected: always a verdict, never an exception. */
class ArbitraryBytesPropertyTest {

    @Property(tries = 3000, seed = "20261124")
    void arbitrary_bytes_always_yield_a_verdict(@ForAll @Size(max = 2048) byte[] bytes,
                                                @ForAll Optional<EvidenceKind> kind) {
        Verdict v = Attestations.verify(bytes, kind, Policy.defaults(), List.of(), Instant.EPOCH);
        assertThat(v).isNotNull();
        assertThat(v.isValid()).isFalse();
        if (v instanceof Verdict.Rejected r && r.kind().isEmpty()) assertThat(r.failed()).isEqualTo(Step.PARSE);
    }

    @Property(tries = 2000, seed = "20261124")
    void arbitrary_extras_are_classified_or_rejected_at_parse(@ForAll @Size(min = 1, max = 512) byte[] extra) {
        Verdict v = Attestations.verify(Vectors.read(Vectors.N1), Optional.empty(), Policy.defaults(), List.of(extra),
                Vectors.N1_AT);
        assertThat(v).isNotNull();
        if (v instanceof Verdict.Rejected r) assertThat(r.failed()).isEqualTo(Step.PARSE);
    }
}
