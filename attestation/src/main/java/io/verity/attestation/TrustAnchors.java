package io.verity.attestation;

/**
 * The roots Verity trusts, pinned by SHA-256 of their DER encoding. A root is never taken from evidence on
 * trust: the chain's last certificate must hash to one of these.
 */
public final class TrustAnchors {
    /** AWS Nitro Enclaves Root G1, {@code CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US}, valid to 2049-10-28. */
    public static final String AWS_NITRO_ROOT_G1_SHA256 =
            "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";
    /** Intel SGX Root CA (DCAP PCK, TCB signing and CRL chains for SGX and TDX), valid to 2049-12-31. */
    public static final String INTEL_SGX_ROOT_CA_SHA256 =
            "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";
    /** AMD ARK-Milan (SEV-SNP on EPYC 7003), RSA-4096, valid to 2045-10-22. */
    public static final String AMD_ARK_MILAN_SHA256 =
            "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd";
    /** NVIDIA Device Identity CA (root of H100 device certificate chains), valid to 9999-12-31. */
    public static final String NVIDIA_DEVICE_IDENTITY_CA_SHA256 =
            "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48";

    /**
     * NVIDIA CoRIM signing Root CA ({@code CN=NVIDIA CoRIM signing Root CA,O=NVIDIA,C=US}, P-384, valid to
     * 2053-03-08), root of the certificate chains in the XML signatures of NVIDIA RIMs. Taken from the KeyInfo of
     * the nvtrust sample RIMs in the shared vectors (MANIFEST.md does not state it).
     */
    public static final String NVIDIA_CORIM_ROOT_SHA256 =
            "12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1";

    private TrustAnchors() {}
}
