package io.verity.attestation;

import io.verity.attestation.internal.Bin;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Encoding;
import io.verity.attestation.internal.Extras;
import io.verity.attestation.internal.Failure;
import io.verity.attestation.nitro.NitroVerifier;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies TEE evidence of any supported family. Never throws for malformed evidence or extras: every
 * problem becomes a {@link Verdict.Rejected} naming the failing {@link Step}.
 *
 * <p>Extras are the inputs a family needs beside the evidence, in any order and encoding (PEM, DER, hex,
 * base64): SEV-SNP the VCEK, ASK and ARK certificates; TDX/SGX the collateral JSON (dcap-qvl
 * {@code QuoteCollateralV3}: TCB info, QE identity, CRLs and their issuer chains) or the same as separate Intel
 * PCS pieces (TCB info and QE identity bodies, TCB signing certificate, root CA and PCK CRLs); NVIDIA the device
 * certificate chain (leaf first) and optionally RIM SWID tags. Nitro needs none.
 */
public final class Attestations {
    private Attestations() {}

    /**
     * @param evidence raw bytes, hex text or base64 text
     * @param kind the expected family, or empty to detect it from the bytes
     * @param at the verification time: certificates, CRLs and collateral must be valid then
     */
    public static Verdict verify(byte[] evidence, Optional<EvidenceKind> kind, Policy policy, List<byte[]> extras,
                                 Instant at) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        if (evidence == null || evidence.length == 0) {
            return rejectedParse(kind, "evidence is empty");
        }
        byte[] bytes = Encoding.decodeText(evidence);
        Optional<EvidenceKind> detected = detect(bytes);
        if (detected.isEmpty()) {
            return rejectedParse(kind, "evidence format not recognised (expected a Nitro COSE_Sign1 document, a DCAP"
                    + " quote v3/v4/v5, a 1184-byte SEV-SNP report or an SPDM GET_MEASUREMENTS transcript;"
                    + " first bytes " + head(bytes) + ")");
        }
        if (kind.isPresent() && kind.get() != detected.get()) {
            return rejectedParse(kind, "evidence expected " + kind.get().id() + " but the bytes are "
                    + detected.get().id());
        }
        Extras ex;
        try {
            ex = Extras.classify(extras == null ? List.of() : extras);
        } catch (Failure f) {
            return rejectedParse(detected, f.getMessage());
        }
        return switch (detected.get()) {
            case AWS_NITRO -> NitroVerifier.verify(bytes, policy, at);
            case INTEL_TDX, INTEL_SGX -> io.verity.attestation.tdx.DcapVerifier.verify(bytes, ex, policy, at);
            case AMD_SEV_SNP -> io.verity.attestation.sevsnp.SevSnpVerifier.verify(bytes, ex, policy, at);
            case NVIDIA_H100 -> io.verity.attestation.nvidia.NvidiaVerifier.verify(bytes, ex, policy, at);
        };
    }

    /** As {@link #verify(byte[], Optional, Policy, List, Instant)} at the clock's current instant. */
    public static Verdict verify(byte[] evidence, Optional<EvidenceKind> kind, Policy policy, List<byte[]> extras,
                                 Clock clock) {
        return verify(evidence, kind, policy, extras, clock.instant());
    }

    /**
     * Forgets which certificate signatures were already verified, so the next verification checks every chain
     * from scratch; for benchmarks of the cold path (the cache only ever holds signatures that verified).
     */
    public static void clearCaches() {
        Certs.clearVerifiedCache();
    }

    /** The evidence family of raw or text-encoded bytes, judged from their structure. */
    public static Optional<EvidenceKind> detect(byte[] evidence) {
        if (evidence == null || evidence.length == 0) return Optional.empty();
        byte[] b = Encoding.decodeText(evidence);
        int b0 = b[0] & 0xff;
        if (b0 == 0x84 || b0 == 0xd2 && b.length > 1 && (b[1] & 0xff) == 0x84) return Optional.of(EvidenceKind.AWS_NITRO);
        if (b.length >= 48) {
            int version = Bin.u16(b, 0, "version");
            int keyType = Bin.u16(b, 2, "att_key_type");
            long teeType = Bin.u32(b, 4, "tee_type");
            if (version >= 3 && version <= 5 && (keyType == 2 || keyType == 3)) {
                if (teeType == 0x81) return Optional.of(EvidenceKind.INTEL_TDX);
                if (teeType == 0) return Optional.of(EvidenceKind.INTEL_SGX);
            }
        }
        if (b.length == 1184) {
            long version = Bin.u32(b, 0, "version");
            if (version >= 2 && version <= 5) return Optional.of(EvidenceKind.AMD_SEV_SNP);
        }
        if (b.length > 2 && (b0 & 0xf0) == 0x10 && (b[1] & 0xff) == 0xe0) return Optional.of(EvidenceKind.NVIDIA_H100);
        return Optional.empty();
    }

    private static Verdict rejectedParse(Optional<EvidenceKind> kind, String reason) {
        return new Verdict.Rejected(kind, Step.PARSE, reason, List.of(), Optional.empty());
    }

    private static String head(byte[] b) {
        return Bytes.of(b, 0, Math.min(8, b.length)).toString();
    }
}
