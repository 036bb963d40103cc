package io.verity.attestation.tdx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.attestation.Step;
import io.verity.attestation.internal.Failure;
import java.util.HexFormat;

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
