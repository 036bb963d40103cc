package io.verity.attestation;

import static io.verity.attestation.Vectors.*;
import static io.verity.attestation.Verdicts.rejected;
import static io.verity.attestation.Verdicts.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.internal.Certs;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** The AMD SEV-SNP (P1) and NVIDIA H100 (G1, RIMs) vectors of MANIFEST.md. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class SevSnpAndNvidiaVectorsTest {
    static final Bytes G1_NONCE = Bytes.ofHex("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");

    @Test
    void pinned_amd_and_nvidia_roots_are_the_shared_certificates() throws Exception {
        var ark = Certs.parsePem(new String(read(ARK)));
        assertThat(Certs.fingerprint(ark.get(0))).isEqualTo(TrustAnchors.AMD_ARK_MILAN_SHA256);
        var chain = Certs.parsePem(new String(read(G1_CHAIN)));
        assertThat(chain).hasSize(5);
        assertThat(Certs.fingerprint(chain.get(4))).isEqualTo(TrustAnchors.NVIDIA_DEVICE_IDENTITY_CA_SHA256);
    }

    @Test
    void P1_milan_report_is_valid_with_its_stated_facts() {
        var v = valid(verify(P1, P1_AT, P1_VCEK, ASK, ARK));
        Facts f = v.facts();
        assertThat(f.measurement("MEASUREMENT")).contains(Bytes.ofHex(
                "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f"));
        assertThat(f.reportData()).contains(Bytes.ofHex("d447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c64581"
                + "0b0f2cdfca0040433be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd"));
        assertThat(f.measurement("HOST_DATA").orElseThrow().isAllZero()).isTrue();
        assertThat(f.measurement("ID_KEY_DIGEST").orElseThrow().isAllZero()).isTrue();
        assertThat(f.debug()).isFalse();
        assertThat(f.attributes()).containsEntry("version", "2").containsEntry("guest_svn", "0")
                .containsEntry("vmpl", "0").containsEntry("policy", "0x30000")
                .containsEntry("reported_tcb", "0300000000000873").containsEntry("current_tcb", "0300000000000873")
                .containsEntry("committed_tcb", "0300000000000873").containsEntry("launch_tcb", "0300000000000873")
                .containsEntry("platform_info", "0x1").containsEntry("signing_key", "vcek")
                .containsEntry("current_firmware", "1.52 build 4").containsEntry("committed_firmware", "1.52 build 4")
                .containsEntry("chip_id", "d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc"
                        + "15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6")
                .containsEntry("report_id", "92b3b47d59f0a2a10a74c5678868a80238cf593c01a82f3cffb878e904c28d5b");
        assertThat(v.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.SIGNATURE, Step.TCB_BINDING,
                Step.DEBUG);
    }

    @Test
    void P1_extras_may_come_in_any_order() {
        valid(verify(P1, P1_AT, ARK, P1_VCEK, ASK));
    }

    @Test
    void P1_without_the_vcek_is_rejected_at_cert_chain() {
        var r = rejected(verify(P1, P1_AT, ASK, ARK), Step.CERT_CHAIN);
        assertThat(r.reason()).startsWith("VCEK (CN=SEV-VCEK) certificate missing");
    }

    @Test
    void P1_without_the_ark_is_rejected_because_the_chain_ends_at_the_ask() {
        var r = rejected(verify(P1, P1_AT, P1_VCEK, ASK), Step.CERT_CHAIN);
        assertThat(r.reason()).contains("does not end at the pinned AMD ARK-Milan").contains("SEV-Milan");
    }

    @Test
    void P1_after_the_vcek_expires_is_rejected_at_cert_chain() {
        rejected(verify(P1, Instant.parse("2030-04-03T19:23:44Z"), P1_VCEK, ASK, ARK), Step.CERT_CHAIN);
    }

    @Test
    void P1_measurement_policy_and_report_data_binding() {
        Bytes m = Bytes.ofHex("7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f");
        Policy p = Policy.defaults().withExpectedMeasurements(Map.of("MEASUREMENT", m))
                .withKeyBinding(Bytes.ofHex("d447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c64581"))
                .withNonce(Bytes.ofHex("0b0f2cdfca0040433be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd"));
        valid(verify(read(P1), p, P1_AT, snpExtras(0), snpExtras(1), snpExtras(2)));
        rejected(verify(read(P1), Policy.defaults().withExpectedMeasurements(Map.of("MEASUREMENT", Bytes.ofHex("00".repeat(48)))),
                P1_AT, snpExtras(0), snpExtras(1), snpExtras(2)), Step.MEASUREMENT_POLICY);
    }

    @Test
    void G1_hopper_report_is_valid_with_its_nonce_and_opaque_facts() {
        var v = valid(verify(read(G1), Policy.defaults().withNonce(G1_NONCE), G1_AT, read(G1_CHAIN)));
        Facts f = v.facts();
        assertThat(f.nonce()).contains(G1_NONCE);
        assertThat(f.measurements()).hasSize(64);
        assertThat(f.attributes()).containsEntry("driver_version", "550.90.07")
                .containsEntry("vbios_version", "96.00.9F.00.01").containsEntry("project", "1010")
                .containsEntry("project_sku", "0200").containsEntry("chip_sku", "882")
                .containsEntry("responder_nonce", "b4b8a06aaaa35542839388e159d447a5d6f6194998fd86513e2d591ccf640985");
        assertThat(v.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.SIGNATURE, Step.NONCE);
    }

    @Test
    void G1_with_another_nonce_is_rejected_at_nonce() {
        var r = rejected(verify(read(G1), Policy.defaults().withNonce(Bytes.ofHex("00".repeat(32))), G1_AT,
                read(G1_CHAIN)), Step.NONCE);
        assertThat(r.reason()).isEqualTo("request nonce expected 0x" + "00".repeat(32) + ", got " + G1_NONCE);
    }

    @Test
    void G1_without_its_certificate_chain_is_rejected_at_cert_chain() {
        rejected(verify(G1, G1_AT), Step.CERT_CHAIN);
    }

    @Test
    void G1_against_the_test_rims_fails_the_measurement_comparison_as_the_manifest_says() {
        var driver = rejected(verify(G1, G1_AT, G1_CHAIN, RIM_DRIVER), Step.MEASUREMENT_POLICY);
        assertThat(driver.reason()).startsWith("15 of 21 active RIM measurements differ");
        var vbios = rejected(verify(G1, G1_AT, G1_CHAIN, RIM_VBIOS), Step.MEASUREMENT_POLICY);
        assertThat(vbios.reason()).startsWith("5 of 12 active RIM measurements differ");
        var both = rejected(verify(G1, G1_AT, G1_CHAIN, RIM_DRIVER, RIM_VBIOS), Step.MEASUREMENT_POLICY);
        assertThat(both.reason()).startsWith("20 of 33 active RIM measurements differ");
        assertThat(both.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.SIGNATURE, Step.COLLATERAL);
    }

    @Test
    void rim_xml_signatures_verify_and_a_changed_golden_value_breaks_them() {
        String rim = new String(read(RIM_VBIOS), java.nio.charset.StandardCharsets.UTF_8);
        int at = rim.indexOf("Hash0=\"", rim.indexOf("active=\"True\"")) + 7;
        char c = rim.charAt(at);
        String edited = rim.substring(0, at) + (c == '0' ? '1' : '0') + rim.substring(at + 1);
        var r = rejected(verify(read(G1), Policy.defaults(), G1_AT, read(G1_CHAIN), edited.getBytes()), Step.COLLATERAL);
        assertThat(r.reason()).isEqualTo("RIM GH100 96.00.5E.00.01 XML signature does not verify with CN=HCC RIM L4 Signer,"
                + "O=NVIDIA Corporation,L=Santa Clara,ST=CA,C=US");
    }

    @Test
    void rim_signing_chain_is_checked_at_the_verification_time() {
        var r = rejected(verify(G1, Instant.parse("2025-06-27T00:00:00Z"), G1_CHAIN, RIM_DRIVER), Step.COLLATERAL);
        assertThat(r.reason()).startsWith("RIM GH100 545.00 signing chain: certificate[0] CN=HCC RIM L4 Signer")
                .contains("is not valid at 2025-06-27T00:00:00Z");
    }
}
