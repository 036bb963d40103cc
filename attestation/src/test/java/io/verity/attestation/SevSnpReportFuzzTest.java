package io.verity.attestation;

import static io.verity.attestation.Vectors.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the AMD SEV-SNP report parser and its VCEK binding through {@link
 * Attestations#verify}: a verdict for any bytes, never an exception, and Valid only with the real evidence's facts
 * ({@link EvidenceFuzzing}). Seeds (edits of the real vectors in ../shared, read at test time) and past findings:
 * {@code src/test/resources/io/verity/attestation/SevSnpReportFuzzTestInputs/}; docs/security.md, "Fuzzing".
 */
class SevSnpReportFuzzTest {
    private static final List<EvidenceFuzzing.Seed> SEEDS = List.of(
            EvidenceFuzzing.Seed.of(P1, Policy.defaults(), P1_AT, List.of(read(P1_VCEK), read(ASK), read(ARK))));

    @FuzzTest(maxDuration = "6s")
    void sev_snp_reports_get_a_verdict_and_only_their_own_facts(byte[] input) {
        EvidenceFuzzing.check(input, SEEDS);
    }
}
