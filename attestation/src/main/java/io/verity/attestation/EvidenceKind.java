package io.verity.attestation;

import java.util.Arrays;
import java.util.Optional;

/** The evidence families Verity verifies, with the stable names used on the command line and in policies. */
public enum EvidenceKind {
    AWS_NITRO("nitro"),
    INTEL_TDX("tdx"),
    INTEL_SGX("sgx"),
    AMD_SEV_SNP("sev-snp"),
    NVIDIA_H100("nvidia");

    private final String id;

    EvidenceKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<EvidenceKind> byId(String id) {
        return Arrays.stream(values()).filter(k -> k.id.equalsIgnoreCase(id)).findFirst();
    }
}
