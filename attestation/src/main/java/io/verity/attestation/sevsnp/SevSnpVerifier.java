package io.verity.attestation.sevsnp;

import io.verity.attestation.Bytes;
import io.verity.attestation.EvidenceKind;
import io.verity.attestation.Facts;
import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import io.verity.attestation.TrustAnchors;
import io.verity.attestation.Verdict;
import io.verity.attestation.internal.Bin;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Checks;
import io.verity.attestation.internal.Extras;
import io.verity.attestation.internal.Failure;
import io.verity.attestation.internal.PolicyChecks;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;

/**
 * AMD SEV-SNP attestation reports (1184 bytes, versions 2..5, VCEK-signed): VCEK → ASK → ARK chain (RSASSA-PSS)
 * to the pinned ARK, ECDSA P-384 report signature over bytes [0, 0x2A0), reported TCB and chip id against the
 * VCEK extensions, debug policy bit, then nonce / measurement / key-binding policy on report_data.
 */
public final class SevSnpVerifier {
    static final int REPORT_SIZE = 1184;
    static final int SIGNED_LENGTH = 0x2A0;
    private static final long POLICY_DEBUG = 1L << 19;
    private static final String VCEK_OID = "1.3.6.1.4.1.3704.1.";

    private SevSnpVerifier() {}

    public static Verdict verify(byte[] report, Extras extras, Policy policy, Instant at) {
        return verify(report, extras, policy, at, TrustAnchors.AMD_ARK_MILAN_SHA256);
    }

    /** With another pinned ARK: tests sign synthetic reports under their own ARK. */
    static Verdict verify(byte[] report, Extras extras, Policy policy, Instant at, String arkSha256) {
        return Checks.verify(EvidenceKind.AMD_SEV_SNP, c -> {
            Report[] r = new Report[1];
            c.step(Step.PARSE, () -> r[0] = parse(report));
            Report rep = r[0];
            c.facts(rep.facts);
            X509Certificate[] vcek = new X509Certificate[1];
            c.step(Step.CERT_CHAIN, () -> {
                if (rep.signingKey != 0) {
                    throw new Failure(Step.CERT_CHAIN, "signing key expected 0 (VCEK), got " + rep.signingKey
                            + " (VLEK-signed reports are not supported)");
                }
                List<X509Certificate> chain = Certs.chainFrom(extras.certificates(),
                        x -> Certs.commonName(x).equals("SEV-VCEK"), "VCEK (CN=SEV-VCEK)");
                Certs.verifyChain(chain, arkSha256, "AMD ARK-Milan", at);
                vcek[0] = chain.get(0);
            });
            c.step(Step.SIGNATURE, () -> {
                byte[] sig = Certs.p1363(le(report, 0x2A0, 72), le(report, 0x2E8, 72), 48);
                if (sig == null || !Certs.verifyP1363(vcek[0].getPublicKey(), "SHA384",
                        Arrays.copyOf(report, SIGNED_LENGTH), sig)) {
                    throw new Failure(Step.SIGNATURE, "report signature (ECDSA P-384 over bytes [0, 0x2A0)) does not"
                            + " verify with the VCEK key");
                }
            });
            c.step(Step.TCB_BINDING, () -> tcbBinding(rep, vcek[0]));
            if (policy.nonce().isPresent()) {
                c.step(Step.NONCE, () -> PolicyChecks.reportDataNonce(policy, rep.facts.reportData().orElseThrow()));
            }
            c.step(Step.DEBUG, () -> {
                if (rep.facts.debug() && !policy.allowDebug()) {
                    throw new Failure(Step.DEBUG, "guest policy 0x" + Long.toHexString(rep.policy)
                            + " allows debugging (bit 19), which the policy does not allow");
                }
            });
            if (!policy.allowedMeasurements().isEmpty()) {
                c.step(Step.MEASUREMENT_POLICY, () -> PolicyChecks.measurements(policy, rep.facts.measurements()));
            }
            if (policy.keyBinding().isPresent()) {
                c.step(Step.KEY_BINDING, () -> PolicyChecks.reportDataKeyBinding(policy,
                        rep.facts.reportData().orElseThrow()));
            }
            return rep.facts;
        });
    }

    static final class Report {
        long policy;
        int signingKey;
        byte[] reportedTcb;
        byte[] chipId;
        Facts facts;
    }

    static Report parse(byte[] b) {
        if (b.length != REPORT_SIZE) {
            throw new Failure(Step.PARSE, "SEV-SNP report expected " + REPORT_SIZE + " bytes, got " + b.length);
        }
        long version = Bin.u32(b, 0, "version");
        if (version < 2 || version > 5) throw new Failure(Step.PARSE, "version expected 2..5, got " + version);
        long sigAlgo = Bin.u32(b, 0x34, "signature_algo");
        if (sigAlgo != 1) {
            throw new Failure(Step.PARSE, "signature_algo expected 1 (ECDSA P-384 with SHA-384), got " + sigAlgo);
        }
        Report r = new Report();
        r.policy = Bin.u64(b, 0x08, "policy");
        r.signingKey = (int) (Bin.u32(b, 0x48, "signer_info") >>> 2) & 0x7;
        r.reportedTcb = Bin.slice(b, 0x180, 8, "reported_tcb");
        r.chipId = Bin.slice(b, 0x1A0, 64, "chip_id");
        Map<String, Bytes> m = new LinkedHashMap<>();
        m.put("MEASUREMENT", Bytes.of(b, 0x90, 48));
        m.put("HOST_DATA", Bytes.of(b, 0xC0, 32));
        m.put("ID_KEY_DIGEST", Bytes.of(b, 0xE0, 48));
        m.put("AUTHOR_KEY_DIGEST", Bytes.of(b, 0x110, 48));
        m.put("FAMILY_ID", Bytes.of(b, 0x10, 16));
        m.put("IMAGE_ID", Bytes.of(b, 0x20, 16));
        Map<String, String> a = new LinkedHashMap<>();
        a.put("version", Long.toString(version));
        a.put("guest_svn", Long.toString(Bin.u32(b, 0x04, "guest_svn")));
        a.put("policy", "0x" + Long.toHexString(r.policy));
        a.put("vmpl", Long.toString(Bin.u32(b, 0x30, "vmpl")));
        a.put("current_tcb", Bytes.of(b, 0x38, 8).hex());
        a.put("platform_info", "0x" + Long.toHexString(Bin.u64(b, 0x40, "platform_info")));
        a.put("signing_key", r.signingKey == 0 ? "vcek" : Integer.toString(r.signingKey));
        a.put("reported_tcb", Bytes.of(r.reportedTcb).hex());
        a.put("committed_tcb", Bytes.of(b, 0x1E0, 8).hex());
        a.put("launch_tcb", Bytes.of(b, 0x1F0, 8).hex());
        a.put("chip_id", Bytes.of(r.chipId).hex());
        a.put("report_id", Bytes.of(b, 0x140, 32).hex());
        a.put("current_firmware", (b[0x1EA] & 0xff) + "." + (b[0x1E9] & 0xff) + " build " + (b[0x1E8] & 0xff));
        a.put("committed_firmware", (b[0x1EE] & 0xff) + "." + (b[0x1ED] & 0xff) + " build " + (b[0x1EC] & 0xff));
        r.facts = new Facts(EvidenceKind.AMD_SEV_SNP, Optional.empty(), m, Optional.of(Bytes.of(b, 0x50, 64)),
                Optional.empty(), Optional.empty(), Optional.empty(), (r.policy & POLICY_DEBUG) != 0,
                Optional.empty(), List.of(), a);
        return r;
    }

    /** Milan/Genoa TCB_VERSION byte layout: [0] boot loader, [1] TEE, [6] SNP, [7] microcode. */
    static void tcbBinding(Report r, X509Certificate vcek) {
        String[][] spl = {{"blSPL", "3.1", "0"}, {"teeSPL", "3.2", "1"}, {"snpSPL", "3.3", "6"}, {"ucodeSPL", "3.8", "7"}};
        for (String[] s : spl) {
            int reported = r.reportedTcb[Integer.parseInt(s[2])] & 0xff;
            BigInteger inCert = integerExtension(vcek, VCEK_OID + s[1], s[0]);
            if (!inCert.equals(BigInteger.valueOf(reported))) {
                throw new Failure(Step.TCB_BINDING, "reported_tcb " + s[0] + " is " + reported + " but the VCEK says "
                        + inCert);
            }
        }
        byte[] hwId = rawExtension(vcek, VCEK_OID + "4", "hwID");
        if (!Arrays.equals(hwId, r.chipId)) {
            throw new Failure(Step.TCB_BINDING, "chip_id " + Bytes.of(r.chipId) + " differs from the VCEK hwID "
                    + Bytes.of(hwId));
        }
    }

    private static byte[] extnValue(X509Certificate cert, String oid, String name) {
        byte[] ext = cert.getExtensionValue(oid);
        if (ext == null) throw new Failure(Step.TCB_BINDING, "VCEK has no " + name + " extension (" + oid + ")");
        return ASN1OctetString.getInstance(ext).getOctets();
    }

    private static BigInteger integerExtension(X509Certificate cert, String oid, String name) {
        try {
            return ASN1Integer.getInstance(ASN1Primitive.fromByteArray(extnValue(cert, oid, name))).getValue();
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new Failure(Step.TCB_BINDING, "VCEK " + name + " extension is not a DER INTEGER");
        }
    }

    private static byte[] rawExtension(X509Certificate cert, String oid, String name) {
        byte[] v = extnValue(cert, oid, name);
        if (v.length == 64) return v;
        try {
            return ASN1OctetString.getInstance(ASN1Primitive.fromByteArray(v)).getOctets();
        } catch (java.io.IOException | IllegalArgumentException e) {
            return v;
        }
    }

    /** A little-endian unsigned integer of {@code len} bytes. */
    static BigInteger le(byte[] b, int offset, int len) {
        byte[] be = new byte[len];
        for (int i = 0; i < len; i++) be[i] = b[offset + len - 1 - i];
        return new BigInteger(1, be);
    }
}
