package io.verity.attestation.tdx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.attestation.Bytes;
import io.verity.attestation.EvidenceKind;
import io.verity.attestation.Facts;
import io.verity.attestation.Policy;
import io.verity.attestation.Step;
import io.verity.attestation.TrustAnchors;
import io.verity.attestation.Verdict;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Checks;
import io.verity.attestation.internal.Extras;
import io.verity.attestation.internal.Failure;
import io.verity.attestation.internal.PolicyChecks;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Intel SGX and TDX DCAP quotes with collateral, following Intel's quote verification: PCK chain to the pinned
 * Intel SGX Root CA, QE report signed by the PCK key and binding the attestation key, quote signature, TCB info /
 * QE identity / CRL signatures, issuers and validity at the verification time, revocation, then TCB level
 * matching (platform SGX components + PCESVN, TDX components, TDX module identity, QE identity) into one TCB
 * status with its advisories, which the policy accepts or not.
 */
public final class DcapVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();
    private DcapVerifier() {}

    public static Verdict verify(byte[] quoteBytes, Extras extras, Policy policy, Instant at) {
        EvidenceKind kind = kindOf(quoteBytes);
        return Checks.verify(kind, c -> {
            Quote[] qq = new Quote[1];
            c.step(Step.PARSE, () -> qq[0] = Quote.parse(quoteBytes));
            Quote q = qq[0];
            Facts[] facts = {q.facts()};
            c.facts(facts[0]);
            List<X509Certificate> pck = new ArrayList<>();
            c.step(Step.CERT_CHAIN, () -> {
                List<X509Certificate> chain = Certs.parsePem(q.pckChainPem);
                if (chain.size() < 2) {
                    throw new Failure(Step.CERT_CHAIN, "PCK certificate chain expected leaf, CA and root, got "
                            + chain.size() + " certificate(s)");
                }
                Certs.verifyChain(chain, TrustAnchors.INTEL_SGX_ROOT_CA_SHA256, "Intel SGX Root CA", at);
                pck.addAll(chain);
            });
            c.step(Step.QE_REPORT, () -> {
                if (!Certs.verifyP1363(pck.get(0).getPublicKey(), "SHA256", q.qeReport, q.qeReportSignature)) {
                    throw new Failure(Step.QE_REPORT, "QE report signature does not verify with the PCK key of "
                            + pck.get(0).getSubjectX500Principal().getName());
                }
                byte[] expected = Certs.digest("SHA-256", q.attestationKey, q.qeAuthData);
                byte[] got = Arrays.copyOfRange(q.qeReport, 320, 352);
                if (!Arrays.equals(expected, got) || !Bytes.of(q.qeReport, 352, 32).isAllZero()) {
                    throw new Failure(Step.QE_REPORT, "QE report_data expected SHA-256(attestation key || QE auth data) = "
                            + Bytes.of(expected) + " followed by 32 zero bytes, got " + Bytes.of(q.qeReport, 320, 64));
                }
            });
            c.step(Step.SIGNATURE, () -> {
                if (!Certs.verifyP1363(p256(q.attestationKey), "SHA256", q.signedPart, q.signature)) {
                    throw new Failure(Step.SIGNATURE, "quote signature over header and report body does not verify"
                            + " with the attestation key");
                }
            });
            String json = extras.json().stream().filter(Collateral::looksLikeCollateral).findFirst().orElse(null);
            Collateral[] col = new Collateral[1];
            Json[] parsed = new Json[1];
            c.step(Step.COLLATERAL, () -> {
                col[0] = json != null ? Collateral.parse(json) : Collateral.fromPcs(extras, pck);
                parsed[0] = checkCollateral(q, col[0], pck, at);
            });
            c.step(Step.REVOCATION, () -> revocation(col[0], pck, at));
            c.step(Step.TCB_STATUS, () -> {
                Tcb.Result r = Tcb.evaluate(q, pck.get(0), parsed[0].tcbInfo, parsed[0].qeIdentity);
                facts[0] = new Facts(facts[0].kind(), facts[0].timestamp(), facts[0].measurements(),
                        facts[0].reportData(), facts[0].userData(), facts[0].publicKey(), facts[0].nonce(),
                        facts[0].debug(), Optional.of(r.status()), r.advisories(), withFmspc(facts[0], r));
                c.facts(facts[0]);
                if (!policy.acceptedTcbStatuses().contains(r.status())) {
                    throw new Failure(Step.TCB_STATUS, "TCB status " + r.status() + " (advisories " + r.advisories()
                            + ") is not accepted by the policy, which accepts " + policy.acceptedTcbStatuses());
                }
            });
            Facts f = facts[0];
            if (policy.nonce().isPresent()) {
                c.step(Step.NONCE, () -> PolicyChecks.reportDataNonce(policy, f.reportData().orElseThrow()));
            }
            c.step(Step.DEBUG, () -> {
                if (f.debug() && !policy.allowDebug()) {
                    throw new Failure(Step.DEBUG, (q.tdx ? "td_attributes DEBUG bit" : "enclave attributes DEBUG bit")
                            + " is set, which the policy does not allow");
                }
            });
            if (!policy.allowedMeasurements().isEmpty()) {
                c.step(Step.MEASUREMENT_POLICY, () -> PolicyChecks.measurements(policy, f.measurements()));
            }
            if (policy.keyBinding().isPresent()) {
                c.step(Step.KEY_BINDING, () -> PolicyChecks.reportDataKeyBinding(policy, f.reportData().orElseThrow()));
            }
            return f;
        });
    }

    private static java.util.Map<String, String> withFmspc(Facts f, Tcb.Result r) {
        var a = new java.util.LinkedHashMap<>(f.attributes());
        a.put("fmspc", r.fmspc());
        a.put("pce_id", r.pceId());
        a.put("platform_tcb_status", r.platformStatus());
        a.put("qe_tcb_status", r.qeStatus());
        r.moduleStatus().ifPresent(s -> a.put("tdx_module_tcb_status", s));
        return a;
    }

    record Json(JsonNode tcbInfo, JsonNode qeIdentity) {}

    static Json checkCollateral(Quote q, Collateral col, List<X509Certificate> pck, Instant at) throws Exception {
        List<X509Certificate> tcbChain = Certs.parsePem(col.tcbInfoIssuerChain());
        List<X509Certificate> qeChain = Certs.parsePem(col.qeIdentityIssuerChain());
        List<X509Certificate> crlChain = Certs.parsePem(col.pckCrlIssuerChain());
        chain(tcbChain, "tcb_info_issuer_chain", at);
        chain(qeChain, "qe_identity_issuer_chain", at);
        chain(crlChain, "pck_crl_issuer_chain", at);
        if (!Certs.verifyP1363(tcbChain.get(0).getPublicKey(), "SHA256",
                col.tcbInfo().getBytes(StandardCharsets.UTF_8), col.tcbInfoSignature())) {
            throw new Failure(Step.COLLATERAL, "tcb_info signature does not verify with "
                    + tcbChain.get(0).getSubjectX500Principal().getName());
        }
        if (!Certs.verifyP1363(qeChain.get(0).getPublicKey(), "SHA256",
                col.qeIdentity().getBytes(StandardCharsets.UTF_8), col.qeIdentitySignature())) {
            throw new Failure(Step.COLLATERAL, "qe_identity signature does not verify with "
                    + qeChain.get(0).getSubjectX500Principal().getName());
        }
        JsonNode tcb = JSON.readTree(col.tcbInfo());
        JsonNode qe = JSON.readTree(col.qeIdentity());
        if (tcb == null || !tcb.isObject() || qe == null || !qe.isObject()) {
            throw new Failure(Step.COLLATERAL, "tcb_info and qe_identity expected JSON objects");
        }
        String expectedTcbId = q.tdx ? "TDX" : "SGX";
        if (!expectedTcbId.equals(tcb.path("id").asText())) {
            throw new Failure(Step.COLLATERAL, "tcb_info.id expected " + expectedTcbId + ", got " + tcb.path("id"));
        }
        if (tcb.path("version").asInt() != 3) {
            throw new Failure(Step.COLLATERAL, "tcb_info.version expected 3, got " + tcb.path("version"));
        }
        String expectedQeId = q.tdx ? "TD_QE" : "QE";
        if (!expectedQeId.equals(qe.path("id").asText())) {
            throw new Failure(Step.COLLATERAL, "qe_identity.id expected " + expectedQeId + ", got " + qe.path("id"));
        }
        window("tcb_info", tcb, at);
        window("qe_identity", qe, at);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509CRL rootCrl = (X509CRL) cf.generateCRL(new ByteArrayInputStream(col.rootCaCrl()));
        X509CRL pckCrl = (X509CRL) cf.generateCRL(new ByteArrayInputStream(col.pckCrl()));
        crl("root_ca_crl", rootCrl, pck.get(pck.size() - 1), at);
        crl("pck_crl", pckCrl, crlChain.get(0), at);
        if (!pckCrl.getIssuerX500Principal().equals(pck.get(0).getIssuerX500Principal())) {
            throw new Failure(Step.COLLATERAL, "pck_crl is issued by " + pckCrl.getIssuerX500Principal().getName()
                    + " but the PCK certificate by " + pck.get(0).getIssuerX500Principal().getName());
        }
        return new Json(tcb, qe);
    }

    private static void chain(List<X509Certificate> chain, String field, Instant at) {
        try {
            Certs.verifyChain(chain, TrustAnchors.INTEL_SGX_ROOT_CA_SHA256, "Intel SGX Root CA", at);
        } catch (Failure f) {
            throw new Failure(Step.COLLATERAL, field + ": " + f.getMessage());
        }
    }

    private static void window(String field, JsonNode n, Instant at) {
        Instant issued = Instant.parse(n.path("issueDate").asText());
        Instant next = Instant.parse(n.path("nextUpdate").asText());
        if (at.isBefore(issued) || at.isAfter(next)) {
            throw new Failure(Step.COLLATERAL, field + " is valid " + issued + " to " + next + ", not at " + at);
        }
    }

    private static void crl(String field, X509CRL crl, X509Certificate issuer, Instant at) {
        if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            throw new Failure(Step.COLLATERAL, field + " issuer expected " + issuer.getSubjectX500Principal().getName()
                    + ", got " + crl.getIssuerX500Principal().getName());
        }
        try {
            crl.verify(issuer.getPublicKey());
        } catch (Exception e) {
            throw new Failure(Step.COLLATERAL, field + " signature does not verify with "
                    + issuer.getSubjectX500Principal().getName());
        }
        Instant from = crl.getThisUpdate().toInstant();
        Instant to = crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant();
        if (at.isBefore(from) || to == null || at.isAfter(to)) {
            throw new Failure(Step.COLLATERAL, field + " is valid " + from + " to " + to + ", not at " + at);
        }
    }

    static void revocation(Collateral col, List<X509Certificate> pck, Instant at) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509CRL rootCrl = (X509CRL) cf.generateCRL(new ByteArrayInputStream(col.rootCaCrl()));
        X509CRL pckCrl = (X509CRL) cf.generateCRL(new ByteArrayInputStream(col.pckCrl()));
        if (pckCrl.isRevoked(pck.get(0))) {
            throw new Failure(Step.REVOCATION, "PCK certificate serial 0x" + pck.get(0).getSerialNumber().toString(16)
                    + " is revoked by the PCK CRL");
        }
        List<X509Certificate> intermediates = new ArrayList<>(pck.subList(1, pck.size() - 1));
        intermediates.add(Certs.parsePem(col.tcbInfoIssuerChain()).get(0));
        intermediates.add(Certs.parsePem(col.qeIdentityIssuerChain()).get(0));
        for (X509Certificate c : intermediates) {
            if (rootCrl.isRevoked(c)) {
                throw new Failure(Step.REVOCATION, c.getSubjectX500Principal().getName() + " serial 0x"
                        + c.getSerialNumber().toString(16) + " is revoked by the root CA CRL");
            }
        }
    }

    static PublicKey p256(byte[] xy) throws Exception {
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        ECPoint point = new ECPoint(new BigInteger(1, Arrays.copyOfRange(xy, 0, 32)),
                new BigInteger(1, Arrays.copyOfRange(xy, 32, 64)));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
    }

    /** Kind from the header alone, so that a rejected parse still names TDX or SGX. */
    static EvidenceKind kindOf(byte[] q) {
        return q.length >= 8 && (q[4] & 0xff) == 0x81 ? EvidenceKind.INTEL_TDX : EvidenceKind.INTEL_SGX;
    }
}
