package io.verity.attestation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a piece of evidence states, exposed for policy.
 *
 * @param measurements named measurements in evidence order: {@code PCR0..PCR31} (Nitro); {@code MRTD},
 *     {@code RTMR0..3}, {@code MRCONFIGID}, {@code MROWNER}, {@code MROWNERCONFIG}, {@code MRSEAM} (TDX);
 *     {@code MRENCLAVE}, {@code MRSIGNER} (SGX); {@code MEASUREMENT}, {@code HOST_DATA} (SEV-SNP);
 *     {@code BLOCK1..BLOCKn} (NVIDIA SPDM measurement blocks, by SPDM index)
 * @param reportData TDX/SGX/SEV-SNP report_data (64 bytes)
 * @param attributes other facts as text: {@code module_id}, {@code fmspc}, {@code reported_tcb}, {@code chip_id},
 *     {@code vmpl}, {@code policy}, {@code driver_version}, {@code vbios_version}, ...
 */
public record Facts(
        EvidenceKind kind,
        Optional<Instant> timestamp,
        Map<String, Bytes> measurements,
        Optional<Bytes> reportData,
        Optional<Bytes> userData,
        Optional<Bytes> publicKey,
        Optional<Bytes> nonce,
        boolean debug,
        Optional<String> tcbStatus,
        List<String> advisories,
        Map<String, String> attributes) {

    public Facts {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(timestamp, "timestamp");
        measurements = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(measurements));
        Objects.requireNonNull(reportData, "reportData");
        Objects.requireNonNull(userData, "userData");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(tcbStatus, "tcbStatus");
        advisories = List.copyOf(advisories);
        attributes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes));
    }

    public Optional<Bytes> measurement(String name) {
        return Optional.ofNullable(measurements.get(name));
    }
}
