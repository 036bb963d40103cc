package io.verity.attestation;

import static io.verity.attestation.Vectors.*;
import static io.verity.attestation.Verdicts.rejected;
import static io.verity.attestation.Verdicts.valid;
import static org.assertj.core.api.Assertions.assertThat;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.attestation.internal.Certs;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** The Intel TDX (T1) and SGX (S1) DCAP vectors of MANIFEST.md with their collateral. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class DcapVectorsTest {
    static final Policy TOLERANT = Policy.defaults().withAcceptedTcbStatuses(Set.of("UpToDate", "SWHardeningNeeded",
            "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded"));

    @Test
    void pinned_intel_root_is_the_sha256_of_the_shared_root_der() throws Exception {
        assertThat(Certs.fingerprint(Certs.parse(read("tdx/intel-sgx-root-ca.der"))))
                .isEqualTo(TrustAnchors.INTEL_SGX_ROOT_CA_SHA256);
        assertThat(read("sgx/intel-sgx-root-ca.der")).isEqualTo(read("tdx/intel-sgx-root-ca.der"));
    }

    @Test
    void T1_tdx_v4_quote_is_valid_up_to_date_without_advisories() {
        var v = valid(verify(T1, T1_AT, T1_COLLATERAL));
        assertThat(v.kind()).isEqualTo(EvidenceKind.INTEL_TDX);
        Facts f = v.facts();
        assertThat(f.tcbStatus()).contains("UpToDate");
        assertThat(f.advisories()).isEmpty();
        assertThat(f.debug()).isFalse();
        assertMeasurements(f, Map.of(
                "MRTD", "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7",
                "RTMR0", "44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf994b9bc9c0",
                "RTMR1", "0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7aea8c323c173019b3093d54e579e9378",
                "RTMR2", "d833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3ba80b70870d7330733642e01d48c3132",
                "MRSEAM", "5b38e33a6487958b72c3c12a938eaa5e3fd4510c51aeeab58c7d5ecee41d7c436489d6c8e4f92f160b7cad34207b00c1"));
        assertThat(f.measurement("RTMR3").orElseThrow().isAllZero()).isTrue();
        assertThat(f.measurement("MRCONFIGID").orElseThrow().isAllZero()).isTrue();
        assertThat(f.reportData()).contains(Bytes.ofHex("9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9"
                + "eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20"));
        assertThat(f.attributes()).containsEntry("tee_tcb_svn", "06010300000000000000000000000000")
                .containsEntry("td_attributes", "0000001000000000").containsEntry("xfam", "e702060000000000")
                .containsEntry("fmspc", "b0c06f000000").containsEntry("pce_id", "0000")
                .containsEntry("qe_tcb_status", "UpToDate").containsEntry("tdx_module_tcb_status", "UpToDate")
                .containsEntry("qe_vendor_id", "939a7233f79c4ca9940a0db3957f0607");
        assertThat(v.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.QE_REPORT, Step.SIGNATURE,
                Step.COLLATERAL, Step.REVOCATION, Step.TCB_STATUS, Step.DEBUG);
    }

    @Test
    void T1_outside_the_collateral_window_is_rejected_at_collateral() {
        var r = rejected(verify(T1, Instant.parse("2025-07-19T10:00:36Z"), T1_COLLATERAL), Step.COLLATERAL);
        assertThat(r.reason()).contains("pck_crl").contains("2025-07-19T10:00:35Z");
        rejected(verify(T1, Instant.parse("2025-06-19T10:32:26Z"), T1_COLLATERAL), Step.COLLATERAL);
    }

    @Test
    void T1_without_collateral_is_rejected_at_collateral_naming_what_is_missing() {
        var r = rejected(verify(T1, T1_AT), Step.COLLATERAL);
        assertThat(r.reason()).startsWith("collateral missing");
    }

    /** T1's collateral re-packed as the separate Intel PCS responses: same signed bytes, other envelopes. */
    static List<byte[]> pcsPieces(String collateralFile) throws Exception {
        JsonNode c = new ObjectMapper().readTree(read(collateralFile));
        String tcb = "{\"tcbInfo\":" + c.get("tcb_info").asText() + ",\"signature\":\"" + c.get("tcb_info_signature").asText() + "\"}";
        String qe = "{\"enclaveIdentity\":" + c.get("qe_identity").asText() + ",\"signature\":\""
                + c.get("qe_identity_signature").asText() + "\"}";
        String signingPem = c.get("tcb_info_issuer_chain").asText();
        signingPem = signingPem.substring(0, signingPem.indexOf("-----END CERTIFICATE-----") + 25);
        byte[] rootCrl = HexFormat.of().parseHex(c.get("root_ca_crl").asText());
        String pckCrlPem = "-----BEGIN X509 CRL-----\n" + Base64.getMimeEncoder().encodeToString(
                HexFormat.of().parseHex(c.get("pck_crl").asText())) + "\n-----END X509 CRL-----\n";
        return List.of(tcb.getBytes(UTF_8), qe.getBytes(UTF_8), signingPem.getBytes(UTF_8), rootCrl, pckCrlPem.getBytes(UTF_8));
    }

    @Test
    void T1_verifies_with_collateral_given_as_separate_pcs_responses_certificates_and_crls() throws Exception {
        List<byte[]> extras = pcsPieces(T1_COLLATERAL);
        var v = valid(Attestations.verify(read(T1), Optional.empty(), Policy.defaults(), extras, T1_AT));
        assertThat(v.facts().tcbStatus()).contains("UpToDate");
        var r = rejected(Attestations.verify(read(T1), Optional.empty(), Policy.defaults(), extras.subList(0, 4), T1_AT),
                Step.COLLATERAL);
        assertThat(r.reason()).isEqualTo("collateral missing: PCK CRL (issuer C=US,ST=CA,L=Santa Clara,O=Intel"
                + " Corporation,CN=Intel SGX PCK Platform CA); pass them, or one QuoteCollateralV3 JSON, as extra inputs");
        String edited = new String(extras.get(0), UTF_8).replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":18");
        List<byte[]> tampered = new java.util.ArrayList<>(extras);
        tampered.set(0, edited.getBytes(UTF_8));
        var t = rejected(Attestations.verify(read(T1), Optional.empty(), Policy.defaults(), tampered, T1_AT), Step.COLLATERAL);
        assertThat(t.reason()).startsWith("tcb_info signature does not verify");
    }

    @Test
    void S1_verifies_with_separate_pcs_pieces_too() throws Exception {
        var v = valid(Attestations.verify(read(S1), Optional.empty(), TOLERANT, pcsPieces(S1_COLLATERAL), S1_AT));
        assertThat(v.facts().advisories()).containsExactly("INTEL-SA-00289", "INTEL-SA-00615");
    }

    @Test
    void T1_with_the_sgx_collateral_is_rejected_at_collateral() {
        var r = rejected(verify(T1, T1_AT, S1_COLLATERAL), Step.COLLATERAL);
        assertThat(r.reason()).contains("tcb_info.id expected TDX");
    }

    @Test
    void S1_sgx_v3_quote_reports_configuration_and_sw_hardening_needed_with_two_advisories() {
        var r = rejected(verify(S1, S1_AT, S1_COLLATERAL), Step.TCB_STATUS);
        assertThat(r.kind()).contains(EvidenceKind.INTEL_SGX);
        assertThat(r.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.QE_REPORT, Step.SIGNATURE,
                Step.COLLATERAL, Step.REVOCATION);
        Facts f = r.facts().orElseThrow();
        assertThat(f.tcbStatus()).contains("ConfigurationAndSWHardeningNeeded");
        assertThat(f.advisories()).containsExactly("INTEL-SA-00289", "INTEL-SA-00615");
        assertThat(f.attributes()).containsEntry("qe_tcb_status", "UpToDate").containsEntry("fmspc", "00a067110000");
    }

    @Test
    void S1_is_valid_under_a_policy_tolerating_configuration_and_hardening_statuses() {
        var v = valid(verify(read(S1), TOLERANT, S1_AT, read(S1_COLLATERAL)));
        Facts f = v.facts();
        assertThat(f.tcbStatus()).contains("ConfigurationAndSWHardeningNeeded");
        assertThat(f.advisories()).containsExactly("INTEL-SA-00289", "INTEL-SA-00615");
        assertThat(f.debug()).isFalse();
        assertThat(f.measurement("MRENCLAVE")).contains(Bytes.ofHex("33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"));
        assertThat(f.measurement("MRSIGNER")).contains(Bytes.ofHex("815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6"));
        byte[] rd = new byte[64];
        System.arraycopy("Hello, world!".getBytes(), 0, rd, 0, 13);
        assertThat(f.reportData()).contains(Bytes.of(rd));
        assertThat(f.attributes()).containsEntry("cpusvn", "0b0b1a18ffff04000000000000000000")
                .containsEntry("attributes", "0500000000000000e700000000000000")
                .containsEntry("isvprodid", "0").containsEntry("isvsvn", "0");
    }

    @Test
    void report_data_key_binding_and_measurement_policy_apply_to_sgx() {
        Policy p = TOLERANT.withKeyBinding(Bytes.of("Hello, world!".getBytes()))
                .withExpectedMeasurements(Map.of("MRSIGNER",
                        Bytes.ofHex("815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6")));
        var v = valid(verify(read(S1), p, S1_AT, read(S1_COLLATERAL)));
        assertThat(v.passed()).contains(Step.KEY_BINDING, Step.MEASUREMENT_POLICY);
        var r = rejected(verify(read(S1), TOLERANT.withKeyBinding(Bytes.of("Goodbye".getBytes())), S1_AT,
                read(S1_COLLATERAL)), Step.KEY_BINDING);
        assertThat(r.reason()).contains("report_data[0..7)");
        rejected(verify(read(S1), TOLERANT.withNonce(Bytes.ofHex("01")), S1_AT, read(S1_COLLATERAL)), Step.NONCE);
    }
}
