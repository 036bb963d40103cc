package io.verity.attestation;

import static io.verity.attestation.Vectors.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Instant;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the AWS Nitro parsers (COSE_Sign1, CBOR, the attestation document, its
 * certificates) through {@link Attestations#verify}: a verdict for any bytes, never an exception, and Valid only
 * with the real evidence's facts ({@link EvidenceFuzzing}). Seeds (edits of the real vectors in ../shared, read at
 * test time) and past findings: {@code src/test/resources/io/verity/attestation/NitroEvidenceFuzzTestInputs/};
 * docs/security.md, "Fuzzing".
 */
class NitroEvidenceFuzzTest {
    private static final List<EvidenceFuzzing.Seed> SEEDS = List.of(
            EvidenceFuzzing.Seed.of(N1, Policy.defaults(), N1_AT, List.of()),
            EvidenceFuzzing.Seed.of(N2, Policy.defaults(), Instant.parse("2024-09-07T14:37:39.545Z"), List.of()));

    @FuzzTest(maxDuration = "6s")
    void nitro_documents_get_a_verdict_and_only_their_own_facts(byte[] input) {
        EvidenceFuzzing.check(input, SEEDS);
    }
}
