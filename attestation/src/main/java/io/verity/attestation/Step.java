package io.verity.attestation;

/**
 * One check a verifier performs. A {@link Verdict} lists the steps that passed and, on rejection, names the
 * step that failed. {@link #id()} is a stable name for logs, the CLI and policies: the constant's name in lower
 * case with dashes, so the two cannot disagree.
 */
public enum Step {
    /** The bytes decode as the claimed format (structure, lengths, field types). */
    PARSE,
    /** Certificate chain from the evidence signer to a pinned root, valid at the verification time. */
    CERT_CHAIN,
    /** DCAP: the QE report is signed by the PCK key and binds the attestation key. */
    QE_REPORT,
    /** The evidence signature over the exact received bytes. */
    SIGNATURE,
    /** DCAP: TCB info, QE identity and CRL signatures, issuers and validity windows. */
    COLLATERAL,
    /** A certificate of the chain is listed in a CRL. */
    REVOCATION,
    /** SEV-SNP: the reported TCB and chip id agree with the VCEK certificate. */
    TCB_BINDING,
    /** The evidence timestamp is within the policy's freshness window. */
    FRESHNESS,
    /** The evidence carries the nonce the policy expects. */
    NONCE,
    /** Debug enclaves / VMs are rejected unless the policy allows them. */
    DEBUG,
    /** Measurements (PCRs, MRTD/RTMRs, MRENCLAVE, SNP measurement, GPU blocks) equal the expected values. */
    MEASUREMENT_POLICY,
    /** DCAP: the platform/QE/TDX-module TCB status is one the policy accepts. */
    TCB_STATUS,
    /** The expected key (or key hash) appears in public_key / user_data / report_data. */
    KEY_BINDING;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
