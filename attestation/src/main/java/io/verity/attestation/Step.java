package io.verity.attestation;

/**
 * One check a verifier performs. A {@link Verdict} lists the steps that passed and, on rejection, names the
 * step that failed. {@link #id()} is a stable name for logs, the CLI and policies.
 */
public enum Step {
    /** The bytes decode as the claimed format (structure, lengths, field types). */
    PARSE("parse"),
    /** Certificate chain from the evidence signer to a pinned root, valid at the verification time. */
    CERT_CHAIN("cert-chain"),
    /** DCAP: the QE report is signed by the PCK key and binds the attestation key. */
    QE_REPORT("qe-report"),
    /** The evidence signature over the exact received bytes. */
    SIGNATURE("signature"),
    /** DCAP: TCB info, QE identity and CRL signatures, issuers and validity windows. */
    COLLATERAL("collateral"),
    /** A certificate of the chain is listed in a CRL. */
    REVOCATION("revocation"),
    /** SEV-SNP: the reported TCB and chip id agree with the VCEK certificate. */
    TCB_BINDING("tcb-binding"),
    /** The evidence timestamp is within the policy's freshness window. */
    FRESHNESS("freshness"),
    /** The evidence carries the nonce the policy expects. */
    NONCE("nonce"),
    /** Debug enclaves / VMs are rejected unless the policy allows them. */
    DEBUG("debug"),
    /** Measurements (PCRs, MRTD/RTMRs, MRENCLAVE, SNP measurement, GPU blocks) equal the expected values. */
    MEASUREMENT_POLICY("measurement-policy"),
    /** DCAP: the platform/QE/TDX-module TCB status is one the policy accepts. */
    TCB_STATUS("tcb-status"),
    /** The expected key (or key hash) appears in public_key / user_data / report_data. */
    KEY_BINDING("key-binding");

    private final String id;

    Step(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
