package io.verity.attestation;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.jcajce.provider.digest.Keccak;

/**
 * One 32-byte name for "the software this TEE runs", so that NodeRegistry can keep an allowlist of
 * measurements per evidence kind as plain {@code bytes32}: keccak256 over the concatenated values of the
 * kind's identity measurements, in this order:
 *
 * <ul>
 *   <li>nitro: PCR0, PCR1, PCR2 (enclave image, kernel, application);
 *   <li>tdx: MRTD, RTMR0, RTMR1, RTMR2, RTMR3;
 *   <li>sgx: MRENCLAVE, MRSIGNER;
 *   <li>sev-snp: MEASUREMENT;
 *   <li>nvidia: every BLOCKn in index order.
 * </ul>
 */
public final class MeasurementDigest {
    private MeasurementDigest() {}

    /** The measurement names that go into the digest for {@code kind}; NVIDIA's depend on the report (empty here). */
    public static List<String> names(EvidenceKind kind) {
        return switch (kind) {
            case AWS_NITRO -> List.of("PCR0", "PCR1", "PCR2");
            case INTEL_TDX -> List.of("MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3");
            case INTEL_SGX -> List.of("MRENCLAVE", "MRSIGNER");
            case AMD_SEV_SNP -> List.of("MEASUREMENT");
            case NVIDIA_H100 -> List.of();
        };
    }

    /**
     * @throws IllegalArgumentException when the facts lack one of the kind's measurements
     */
    public static Bytes of(Facts facts) {
        Objects.requireNonNull(facts, "facts");
        List<String> names = new ArrayList<>(names(facts.kind()));
        if (facts.kind() == EvidenceKind.NVIDIA_H100) {
            facts.measurements().keySet().stream().filter(n -> n.startsWith("BLOCK"))
                    .sorted(java.util.Comparator.comparingInt(n -> Integer.parseInt(n.substring(5))))
                    .forEach(names::add);
        }
        if (names.isEmpty()) throw new IllegalArgumentException(facts.kind().id() + " evidence has no measurements");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (String n : names) {
            Bytes v = facts.measurement(n).orElseThrow(() -> new IllegalArgumentException(facts.kind().id()
                    + " evidence lacks measurement " + n + " (it has " + facts.measurements().keySet() + ")"));
            all.writeBytes(v.toArray());
        }
        return Bytes.of(new Keccak.Digest256().digest(all.toByteArray()));
    }
}
