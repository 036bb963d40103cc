package io.verity.attestation;

import static io.verity.attestation.Vectors.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the NVIDIA SPDM measurement report parser through {@link
 * Attestations#verify}: a verdict for any bytes, never an exception, and Valid only with the real evidence's facts
 * ({@link EvidenceFuzzing}). Seeds (edits of the real vectors in ../shared, read at test time) and past findings:
 * {@code src/test/resources/io/verity/attestation/NvidiaEvidenceFuzzTestInputs/}; docs/security.md, "Fuzzing".
 */
class NvidiaEvidenceFuzzTest {
    private static final List<EvidenceFuzzing.Seed> SEEDS = List.of(
            EvidenceFuzzing.Seed.of(G1, Policy.defaults(), G1_AT, List.of(read(G1_CHAIN))));

    @FuzzTest(maxDuration = "6s")
    void nvidia_reports_get_a_verdict_and_only_their_own_facts(byte[] input) {
        EvidenceFuzzing.check(input, SEEDS);
    }
}
