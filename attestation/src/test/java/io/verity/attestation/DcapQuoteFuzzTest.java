package io.verity.attestation;

import static io.verity.attestation.Vectors.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the Intel DCAP parsers (TDX v4 and SGX v3 quotes, their certification data
 * and the collateral they are checked against) through {@link Attestations#verify}: a verdict for any bytes, never
 * an exception, and Valid only with the real evidence's facts ({@link EvidenceFuzzing}). Seeds (edits of the real
 * vectors in ../shared, read at test time) and past findings: {@code
 * src/test/resources/io/verity/attestation/DcapQuoteFuzzTestInputs/}; docs/security.md, "Fuzzing".
 */
class DcapQuoteFuzzTest {
    private static final List<EvidenceFuzzing.Seed> SEEDS = List.of(
            EvidenceFuzzing.Seed.of(T1, Policy.defaults(), T1_AT, List.of(read(T1_COLLATERAL))),
            EvidenceFuzzing.Seed.of(S1, DcapVectorsTest.TOLERANT, S1_AT, List.of(read(S1_COLLATERAL))));

    @FuzzTest(maxDuration = "6s")
    void dcap_quotes_get_a_verdict_and_only_their_own_facts(byte[] input) {
        EvidenceFuzzing.check(input, SEEDS);
    }
}
