package io.verity.attestation;

import static io.verity.attestation.Vectors.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.internal.Certs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** Verifiers are stateless apart from the certificate cache: parallel calls give the sequential verdicts. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class ConcurrentVerificationTest {

    @Test
    void parallel_verifications_of_every_family_agree_with_sequential_ones() throws Exception {
        Certs.clearVerifiedCache();
        List<Callable<Verdict>> jobs = List.of(
                () -> verify(N1, N1_AT),
                () -> verify(N3, java.time.Instant.parse("2024-09-07T14:38:06.508Z")),
                () -> verify(T1, T1_AT, T1_COLLATERAL),
                () -> verify(P1, P1_AT, P1_VCEK, ASK, ARK),
                () -> verify(read(G1), Policy.defaults(), G1_AT, read(G1_CHAIN)));
        List<Verdict> expected = new ArrayList<>();
        for (var j : jobs) expected.add(j.call());
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<Verdict>> futures = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                if (round == 5) Certs.clearVerifiedCache();
                for (var j : jobs) futures.add(pool.submit(j));
            }
            for (int i = 0; i < futures.size(); i++) {
                Verdict got = futures.get(i).get();
                Verdict want = expected.get(i % jobs.size());
                assertThat(got.getClass()).isEqualTo(want.getClass());
                assertThat(got.passed()).isEqualTo(want.passed());
                if (want instanceof Verdict.Valid w) assertThat(((Verdict.Valid) got).facts()).isEqualTo(w.facts());
                else assertThat(((Verdict.Rejected) got).failed()).isEqualTo(((Verdict.Rejected) want).failed());
            }
        }
    }
}
