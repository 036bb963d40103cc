package io.verity.attestation;

import static io.verity.attestation.Vectors.*;
import static io.verity.attestation.Verdicts.rejected;
import static io.verity.attestation.Verdicts.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Encoding;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** Copies of real evidence damaged in one place are rejected at the step that owns that place. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TamperedEvidenceTest {

    static byte[] raw(String file) {
        return Encoding.decodeText(read(file));
    }

    static byte[] flip(byte[] b, int offset) {
        byte[] c = b.clone();
        c[offset] ^= 0x01;
        return c;
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("needle not found");
    }

    // --- Nitro ---

    @Test
    void nitro_one_bit_of_the_cose_signature_fails_the_signature_step() {
        byte[] n1 = raw(N1);
        var r = rejected(verify(flip(n1, n1.length - 10), Policy.defaults(), N1_AT), Step.SIGNATURE);
        assertThat(r.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN);
    }

    @Test
    void nitro_one_byte_of_a_pcr_fails_the_signature_step_not_the_policy() {
        byte[] n1 = raw(N1);
        int at = indexOf(n1, HexFormat.of().parseHex("9baef83909784e4d2cb84466c02931bb"));
        rejected(verify(flip(n1, at + 5), Policy.defaults(), N1_AT), Step.SIGNATURE);
    }

    @Test
    void nitro_one_byte_of_a_cabundle_certificate_fails_the_chain_step() throws Exception {
        byte[] n1 = raw(N1);
        byte[] rootDer = Certs.parsePem(new String(read("nitro/aws-nitro-enclaves-root-g1.pem"))).get(0).getEncoded();
        int root = indexOf(n1, rootDer);
        // cabundle[0] is the root: damage its signature; then the regional certificate right after it.
        rejected(verify(flip(n1, root + rootDer.length - 5), Policy.defaults(), N1_AT), Step.CERT_CHAIN);
        rejected(verify(flip(n1, root + rootDer.length + 3 + 200), Policy.defaults(), N1_AT), Step.CERT_CHAIN);
    }

    @Test
    void nitro_timestamp_moved_outside_the_certificates_fails_the_chain_step_before_the_signature() {
        byte[] n1 = raw(N1);
        byte[] ts = java.nio.ByteBuffer.allocate(9).put((byte) 0x1b).putLong(1770918962724L).array();
        int at = indexOf(n1, ts);
        byte[] later = n1.clone();
        System.arraycopy(java.nio.ByteBuffer.allocate(8).putLong(1770918962724L + 86_400_000L).array(), 0, later, at + 1, 8);
        var r = rejected(verify(later, Policy.defaults(), N1_AT), Step.CERT_CHAIN);
        assertThat(r.reason()).contains("was not valid at the document timestamp 2026-02-13T17:56:02.724Z");
    }

    @Test
    void nitro_truncation_fails_the_parse_step() {
        byte[] n1 = raw(N1);
        for (int len : new int[] {0, 1, 10, n1.length / 2, n1.length - 1}) {
            rejected(verify(Arrays.copyOf(n1, len), Policy.defaults(), N1_AT), Step.PARSE);
        }
    }

    @Test
    void nitro_payload_re_encoded_as_a_definite_length_map_fails_the_signature_step() {
        byte[] n1 = raw(N1);
        // 84 | 44 a1013822 | a0 | 59 hhll payload(bf ... ff) | 58 60 sig
        assertThat(Arrays.copyOfRange(n1, 0, 8)).isEqualTo(HexFormat.of().parseHex("8444a1013822a059"));
        int len = (n1[8] & 0xff) << 8 | (n1[9] & 0xff);
        assertThat(len).isEqualTo(4448);
        byte[] payload = Arrays.copyOfRange(n1, 10, 10 + len);
        assertThat(payload[0] & 0xff).isEqualTo(0xbf);
        assertThat(payload[len - 1] & 0xff).isEqualTo(0xff);
        var out = new ByteArrayOutputStream();
        out.write(n1, 0, 7);
        out.write(0x59);
        out.write((len - 1) >> 8);
        out.write(len - 1);
        out.write(0xa9); // the same nine entries, definite length
        out.write(payload, 1, len - 2);
        out.write(n1, 10 + len, n1.length - 10 - len);
        var r = rejected(verify(out.toByteArray(), Policy.defaults(), N1_AT), Step.SIGNATURE);
        assertThat(r.facts().orElseThrow().attributes()).containsEntry("module_id", "i-0340e0cb833504eb6-enc019c12d31f78864d");
    }

    @Test
    void nitro_trailing_bytes_after_the_document_fail_the_parse_step() {
        byte[] n1 = raw(N1);
        var r = rejected(verify(Arrays.copyOf(n1, n1.length + 1), Policy.defaults(), N1_AT), Step.PARSE);
        assertThat(r.reason()).isEqualTo("not valid CBOR: expected one CBOR item spanning all 4557 bytes, but 1 bytes follow it at offset 4556");
    }

    // --- DCAP ---

    @Test
    void tdx_one_byte_of_report_data_fails_the_quote_signature_step() {
        byte[] t1 = read(T1);
        var r = rejected(verify(flip(t1, 48 + 520 + 3), Policy.defaults(), T1_AT, read(T1_COLLATERAL)), Step.SIGNATURE);
        assertThat(r.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.QE_REPORT);
    }

    @Test
    void tdx_one_byte_of_the_qe_report_fails_the_qe_report_step() {
        byte[] t1 = read(T1);
        // header 48 + body 584 + len 4 + sig 64 + key 64 + cert type/size 6 = QE report start
        int qe = 48 + 584 + 4 + 128 + 6;
        rejected(verify(flip(t1, qe + 10), Policy.defaults(), T1_AT, read(T1_COLLATERAL)), Step.QE_REPORT);
    }

    @Test
    void tdx_one_character_of_the_pck_certificate_fails_the_chain_step() {
        byte[] t1 = read(T1);
        int pem = indexOf(t1, "-----BEGIN CERTIFICATE-----".getBytes(StandardCharsets.US_ASCII));
        byte[] copy = t1.clone();
        int at = pem + 28 + 300;
        copy[at] = (byte) (copy[at] == 'A' ? 'B' : 'A');
        rejected(verify(copy, Policy.defaults(), T1_AT, read(T1_COLLATERAL)), Step.CERT_CHAIN);
    }

    @Test
    void tdx_edited_tcb_info_fails_the_collateral_signature() {
        String col = new String(read(T1_COLLATERAL), StandardCharsets.UTF_8);
        String edited = col.replaceFirst("\\\\\"tcbEvaluationDataNumber\\\\\":17", "\\\\\"tcbEvaluationDataNumber\\\\\":18");
        assertThat(edited).isNotEqualTo(col);
        var r = rejected(verify(read(T1), Policy.defaults(), T1_AT, edited.getBytes(StandardCharsets.UTF_8)), Step.COLLATERAL);
        assertThat(r.reason()).startsWith("tcb_info signature does not verify");
    }

    @Test
    void tdx_v4_quote_rewritten_as_v5_parses_but_fails_the_quote_signature() {
        byte[] t1 = read(T1);
        var out = new ByteArrayOutputStream();
        out.write(5);
        out.write(0); // version 5, the rest of the header unchanged
        out.write(t1, 2, 46);
        out.write(new byte[] {2, 0, 0x48, 0x02, 0, 0}, 0, 6); // body type 2 (TD 1.0), size 584
        out.write(t1, 48, t1.length - 48);
        var r = rejected(verify(out.toByteArray(), Policy.defaults(), T1_AT, read(T1_COLLATERAL)), Step.SIGNATURE);
        assertThat(r.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.QE_REPORT);
        assertThat(r.facts().orElseThrow().attributes()).containsEntry("quote_version", "5");
        assertThat(r.facts().orElseThrow().measurement("MRTD")).isEqualTo(
                ((Verdict.Valid) verify(read(T1), Policy.defaults(), T1_AT, read(T1_COLLATERAL))).facts().measurement("MRTD"));
    }

    @Test
    void sgx_truncated_quote_fails_the_parse_step() {
        byte[] s1 = read(S1);
        for (int len : new int[] {0, 47, 48 + 383, 1000, s1.length - 1}) {
            rejected(verify(Arrays.copyOf(s1, len), Policy.defaults(), S1_AT, read(S1_COLLATERAL)), Step.PARSE);
        }
    }

    // --- SEV-SNP ---

    @Test
    void snp_one_byte_of_the_measurement_fails_the_report_signature_step() {
        byte[] p1 = raw(P1);
        var r = rejected(verify(flip(p1, 0x90 + 7), Policy.defaults(), P1_AT, snpExtras(0), snpExtras(1), snpExtras(2)),
                Step.SIGNATURE);
        assertThat(r.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN);
    }

    @Test
    void snp_setting_the_debug_policy_bit_fails_the_signature_not_the_debug_step() {
        byte[] p1 = raw(P1);
        byte[] debug = p1.clone();
        debug[0x08 + 2] |= 0x08; // bit 19
        var r = rejected(verify(debug, Policy.defaults(), P1_AT, snpExtras(0), snpExtras(1), snpExtras(2)), Step.SIGNATURE);
        assertThat(r.facts().orElseThrow().debug()).isTrue();
    }

    @Test
    void snp_one_byte_of_the_vcek_fails_the_chain_step() {
        byte[] vcek = flip(read(P1_VCEK), read(P1_VCEK).length - 20);
        rejected(verify(raw(P1), Policy.defaults(), P1_AT, vcek, snpExtras(1), snpExtras(2)), Step.CERT_CHAIN);
    }

    @Test
    void snp_truncated_report_fails_the_parse_step() {
        byte[] p1 = raw(P1);
        var r = Attestations.verify(Arrays.copyOf(p1, 1183), java.util.Optional.of(EvidenceKind.AMD_SEV_SNP),
                Policy.defaults(), java.util.List.of(), P1_AT);
        rejected(r, Step.PARSE);
    }

    // --- NVIDIA ---

    @Test
    void gpu_one_byte_of_a_measurement_block_fails_the_signature_step() {
        byte[] g1 = raw(G1);
        rejected(verify(flip(g1, 37 + 8 + 7 + 5), Policy.defaults(), G1_AT, read(G1_CHAIN)), Step.SIGNATURE);
    }

    @Test
    void gpu_one_byte_of_the_request_nonce_fails_the_signature_step() {
        byte[] g1 = raw(G1);
        rejected(verify(flip(g1, 4), Policy.defaults(), G1_AT, read(G1_CHAIN)), Step.SIGNATURE);
    }

    @Test
    void gpu_truncated_report_fails_the_parse_step() {
        byte[] g1 = raw(G1);
        rejected(verify(Arrays.copyOf(g1, g1.length - 1), Policy.defaults(), G1_AT, read(G1_CHAIN)), Step.PARSE);
    }

    @Test
    void unknown_bytes_are_rejected_at_parse_without_a_kind() {
        var r = rejected(verify(new byte[] {1, 2, 3}, Policy.defaults(), Instant.EPOCH), Step.PARSE);
        assertThat(r.kind()).isEmpty();
        assertThat(r.reason()).contains("format not recognised").contains("0x010203");
    }

    @Test
    void the_untampered_copies_used_above_are_valid() {
        valid(verify(raw(N1), Policy.defaults(), N1_AT));
        valid(verify(read(T1), Policy.defaults(), T1_AT, read(T1_COLLATERAL)));
        valid(verify(raw(P1), Policy.defaults(), P1_AT, snpExtras(0), snpExtras(1), snpExtras(2)));
        valid(verify(raw(G1), Policy.defaults(), G1_AT, read(G1_CHAIN)));
    }
}
