package io.verity.attestation.tdx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonToken;
import io.verity.attestation.Step;
import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Extras;
import io.verity.attestation.internal.Failure;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * DCAP collateral in dcap-qvl's {@code QuoteCollateralV3} JSON: TCB info and QE identity as the exact signed
 * JSON strings with raw r‖s signatures and PEM issuer chains, and the root CA and PCK CRLs as hex DER.
 */
record Collateral(String tcbInfo, byte[] tcbInfoSignature, String tcbInfoIssuerChain,
                  String qeIdentity, byte[] qeIdentitySignature, String qeIdentityIssuerChain,
                  byte[] rootCaCrl, byte[] pckCrl, String pckCrlIssuerChain) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Collateral parse(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (Exception e) {
            throw new Failure(Step.COLLATERAL, "collateral is not valid JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) throw new Failure(Step.COLLATERAL, "collateral expected a JSON object");
        return new Collateral(text(n, "tcb_info"), hex(n, "tcb_info_signature"), text(n, "tcb_info_issuer_chain"),
                text(n, "qe_identity"), hex(n, "qe_identity_signature"), text(n, "qe_identity_issuer_chain"),
                hex(n, "root_ca_crl"), hex(n, "pck_crl"), text(n, "pck_crl_issuer_chain"));
    }

    /**
     * Assembles collateral from the Intel PCS responses given as separate inputs: the TCB info body
     * ({@code {"tcbInfo": {...}, "signature": "hex"}}, the signed bytes being the exact {@code tcbInfo} text), the
     * QE identity body ({@code {"enclaveIdentity": ..., "signature": ...}}), the {@code Intel SGX TCB Signing}
     * certificate (the PCS sends it in a response header) and the root CA and PCK CRLs. The root and the PCK CA
     * come from the quote's own, already verified, PCK chain.
     *
     * @throws Failure at {@link Step#COLLATERAL} naming what is missing
     */
    static Collateral fromPcs(Extras extras, List<X509Certificate> pck) {
        String[] tcb = null;
        String[] qe = null;
        for (String body : extras.json()) {
            String[] t = signedMember(body, "tcbInfo");
            if (t != null) tcb = t;
            String[] q = signedMember(body, "enclaveIdentity");
            if (q != null) qe = q;
        }
        X509Certificate root = pck.get(pck.size() - 1);
        X509Certificate pckCa = pck.get(1);
        X509Certificate signing = extras.certificates().stream()
                .filter(c -> c.getIssuerX500Principal().equals(root.getSubjectX500Principal())
                        && c.getSubjectX500Principal().getName().contains("CN=Intel SGX TCB Signing"))
                .findFirst().orElse(null);
        X509CRL rootCrl = extras.crls().stream()
                .filter(c -> c.getIssuerX500Principal().equals(root.getSubjectX500Principal())).findFirst().orElse(null);
        X509CRL pckCrl = extras.crls().stream()
                .filter(c -> c.getIssuerX500Principal().equals(pckCa.getSubjectX500Principal())).findFirst().orElse(null);
        List<String> missing = new ArrayList<>();
        if (tcb == null) missing.add("TCB info ({\"tcbInfo\": ..., \"signature\": ...})");
        if (qe == null) missing.add("QE identity ({\"enclaveIdentity\": ..., \"signature\": ...})");
        if (signing == null) missing.add("Intel SGX TCB Signing certificate");
        if (rootCrl == null) missing.add("root CA CRL (issuer " + root.getSubjectX500Principal().getName() + ")");
        if (pckCrl == null) missing.add("PCK CRL (issuer " + pckCa.getSubjectX500Principal().getName() + ")");
        if (!missing.isEmpty()) {
            throw new Failure(Step.COLLATERAL, "collateral missing: " + String.join(", ", missing)
                    + "; pass them, or one QuoteCollateralV3 JSON, as extra inputs");
        }
        String signingChain = Certs.toPem(List.of(signing, root));
        try {
            return new Collateral(tcb[0], HexFormat.of().parseHex(tcb[1]), signingChain, qe[0],
                    HexFormat.of().parseHex(qe[1]), signingChain, rootCrl.getEncoded(), pckCrl.getEncoded(),
                    Certs.toPem(List.of(pckCa, root)));
        } catch (CRLException | IllegalArgumentException e) {
            throw new Failure(Step.COLLATERAL, "collateral cannot be assembled: " + e.getMessage());
        }
    }

    /** The exact text of top-level object member {@code name} and the top-level "signature" string, or null. */
    static String[] signedMember(String body, String name) {
        try (var p = JSON.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            String member = null;
            String signature = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                var t = p.nextToken();
                if (field.equals(name) && t == JsonToken.START_OBJECT) {
                    int start = (int) p.currentTokenLocation().getCharOffset();
                    p.skipChildren();
                    int end = (int) p.currentTokenLocation().getCharOffset() + 1;
                    member = body.substring(start, end);
                } else if (field.equals("signature") && t == JsonToken.VALUE_STRING) {
                    signature = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            return member != null && signature != null ? new String[] {member, signature} : null;
        } catch (Exception e) {
            return null;
        }
    }

    static boolean looksLikeCollateral(String json) {
        return json.contains("\"tcb_info\"") && json.contains("\"qe_identity\"");
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new Failure(Step.COLLATERAL, "collateral." + field + " expected a string, got "
                    + (v == null ? "nothing" : v.getNodeType()));
        }
        return v.asText();
    }

    private static byte[] hex(JsonNode n, String field) {
        String t = text(n, field);
        try {
            return HexFormat.of().parseHex(t);
        } catch (IllegalArgumentException e) {
            throw new Failure(Step.COLLATERAL, "collateral." + field + " expected hex, got "
                    + (t.length() > 40 ? t.substring(0, 40) + "..." : t));
        }
    }
}
