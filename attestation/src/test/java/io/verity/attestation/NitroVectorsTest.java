package io.verity.attestation;

import static io.verity.attestation.Vectors.*;
import static io.verity.attestation.Verdicts.rejected;
import static io.verity.attestation.Verdicts.valid;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.attestation.internal.Certs;
import io.verity.attestation.internal.Encoding;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** Every Nitro vector of MANIFEST.md: its stated facts and its verdict, at the manifest's verification time. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class NitroVectorsTest {

    @Test
    void pinned_root_fingerprint_is_the_sha256_of_the_shared_aws_root_pem() throws Exception {
        var pem = Certs.parsePem(new String(read("nitro/aws-nitro-enclaves-root-g1.pem")));
        assertThat(pem).hasSize(1);
        assertThat(Certs.fingerprint(pem.get(0))).isEqualTo(TrustAnchors.AWS_NITRO_ROOT_G1_SHA256);
        assertThat(pem.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US");
    }

    @Test
    void N1_opengradient_indefinite_length_payload_is_valid_with_its_stated_facts() {
        var v = valid(verify(N1, N1_AT));
        Facts f = v.facts();
        assertThat(f.attributes()).containsEntry("module_id", "i-0340e0cb833504eb6-enc019c12d31f78864d")
                .containsEntry("digest", "SHA384");
        assertThat(f.timestamp()).contains(Instant.ofEpochMilli(1770918962724L));
        assertThat(f.measurements()).hasSize(16);
        assertMeasurements(f, Map.of(
                "PCR0", "9baef83909784e4d2cb84466c02931bb8125e948b62029029e80bfa1698bfd7069408e4ab20d1c99c859e8f774cce0ff",
                "PCR1", "4b4d5b3661b3efc12920900c80e126e4ce783c522de6c02a2a5bf7af3a2b9327b86776f188e4be1c1c404a129dbda493",
                "PCR2", "769925c8ae0c5c2d1aa86de149213b1c5dec642557bf0c426c6581f0e562a042d1c7d2578443515d103f74ce55337666",
                "PCR4", "eb85f08a56f45ba20730ca9f061557e0d8361000b03348bb7afb1af949bcd6af7a7bb863e93e8a89326ff79bb021074b"));
        assertThat(nonZeroPcrs(f)).containsExactly("PCR0", "PCR1", "PCR2", "PCR4");
        assertThat(f.publicKey()).contains(Bytes.ofHex("64756d6d79"));
        assertThat(f.userData()).contains(Bytes.ofHex("1220b735546536e78ee12beea2d384fcda35f7491446c6858f79fa7ad5e4ae89b49f"
                + "1220abf9d7453422eb419fc1391604b070a81bd6a61f4d9ae0ee71ab24d77670c154"));
        assertThat(f.nonce()).contains(Bytes.ofHex("0123456789abcdef0123456789abcdef01234567"));
        assertThat(f.debug()).isFalse();
        assertThat(v.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.SIGNATURE, Step.DEBUG);
    }

    @Test
    void N1_is_rejected_one_second_after_the_leaf_expires() {
        var r = rejected(verify(N1, Instant.parse("2026-02-12T20:56:03Z")), Step.CERT_CHAIN);
        assertThat(r.reason()).contains("not valid at 2026-02-12T20:56:03Z").contains("2026-02-12T20:56:02Z");
    }

    @Test
    void N1_is_rejected_now_because_nitro_certificates_expire_within_hours() {
        rejected(verify(N1, Instant.parse("2026-11-24T00:00:00Z")), Step.CERT_CHAIN);
    }

    @Test
    void N2_blocky_is_valid() {
        var f = valid(verify(N2, Instant.parse("2024-09-07T14:37:39.545Z"))).facts();
        assertThat(f.timestamp()).contains(Instant.parse("2024-09-07T14:37:39.545Z"));
        assertThat(f.debug()).isFalse();
    }

    @Test
    void N3_blocky_debug_twin_is_genuine_but_rejected_as_debug() {
        var r = rejected(verify(N3, Instant.parse("2024-09-07T14:38:06.508Z")), Step.DEBUG);
        assertThat(r.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.SIGNATURE);
        Facts f = r.facts().orElseThrow();
        assertThat(f.attributes()).containsEntry("module_id", "i-0a22e5c5f24d22174-enc0191ccebaf8feaba");
        assertThat(f.timestamp()).contains(Instant.ofEpochMilli(1725719886508L));
        assertThat(nonZeroPcrs(f)).containsExactly("PCR4");
        assertThat(f.measurement("PCR4")).contains(Bytes.ofHex(
                "45706d7b621e4620a332e147a5ddb000b049f73d47d3e61f6b03d2069152d4df6a4a786ad1c10102b955799a9dc96b44"));
        byte[] ones = new byte[1024];
        java.util.Arrays.fill(ones, (byte) 1);
        assertThat(f.publicKey()).contains(Bytes.of(ones));
        assertThat(f.userData()).contains(Bytes.of(ones));
        assertThat(f.nonce()).contains(Bytes.of(ones));
    }

    @Test
    void N3_is_valid_when_the_policy_allows_debug() {
        var v = valid(verify(read(N3), Policy.defaults().withAllowDebug(true), Instant.parse("2024-09-07T14:38:06.508Z")));
        assertThat(v.facts().debug()).isTrue();
    }

    @Test
    void N4_self_signed_document_is_rejected_as_untrusted_chain() {
        var r = rejected(verify(N4, Instant.parse("2024-04-17T18:51:46Z")), Step.CERT_CHAIN);
        assertThat(r.reason()).contains("cabundle is empty").contains("CN=self-signed attester");
        Facts f = r.facts().orElseThrow();
        assertThat(f.measurements()).hasSize(32);
        assertThat(f.measurement("PCR31")).contains(Bytes.ofHex("30".repeat(48)));
        assertThat(f.timestamp()).contains(Instant.ofEpochMilli(1713379906L));
        assertThat(f.publicKey()).contains(Bytes.ofHex("04cbb77c8da0285848e349271b4b10c2b0f2f82b7beba0c6b46ce3ca1ba3d4c1"
                + "9c132c807b87310e6611db485976ff4d8ab2dc81f69af3f0aaafef294eef33db4a"));
        assertThat(f.userData()).contains(Bytes.of(new byte[0]));
        assertThat(f.nonce()).contains(Bytes.of(new byte[0]));
    }

    @Test
    void N9_anjuna_with_null_optional_fields_is_valid_and_treats_them_as_absent() {
        var f = valid(verify(N9, Instant.parse("2021-03-17T22:01:56Z"))).facts();
        assertThat(f.attributes()).containsEntry("module_id", "i-078824548edcf6519-enc01784234ec227b58");
        assertThat(f.timestamp()).contains(Instant.ofEpochMilli(1616018515685L));
        assertThat(f.publicKey()).isEmpty();
        assertThat(f.userData()).isEmpty();
        assertThat(f.nonce()).isEmpty();
        assertThat(nonZeroPcrs(f)).containsExactly("PCR0", "PCR1", "PCR2", "PCR4");
        assertThat(f.measurement("PCR0")).contains(Bytes.ofHex(
                "2d151586641b790f3b1b92b8f89678c3aa86e73dd97969c892124be9d2b7fdc62b58a55cd9ee8216f6f5689cebf590ad"));
    }

    @Test
    void N6_evervault_is_valid_with_pcr8_and_a_256_byte_nonce() {
        var f = valid(verify(N6, Instant.parse("2022-10-13T08:58:03Z"))).facts();
        assertThat(f.timestamp()).contains(Instant.ofEpochMilli(1665651482136L));
        assertThat(nonZeroPcrs(f)).containsExactly("PCR0", "PCR1", "PCR2", "PCR3", "PCR4", "PCR8");
        assertThat(f.measurement("PCR8")).contains(Bytes.ofHex(
                "8790eb3cce6c83d07e84b126dc61ca923333d6f66615c4a79157de48c5ab2418bdc60746ea7b7afbff03a1c6210201cb"));
        assertThat(f.nonce().orElseThrow().length()).isEqualTo(256);
        assertThat(Certs.sha256Hex(f.nonce().orElseThrow().toArray()))
                .isEqualTo("6eea661682aa9b36a03f0db5c150a1596687cade6765849b5b74fbbef205a3f8");
        assertThat(f.publicKey()).isEmpty();
        assertThat(f.userData()).isEmpty();
    }

    @Test
    void N7_evervault_debug_is_rejected_as_debug() {
        var r = rejected(verify(N7, Instant.parse("2022-10-12T13:50:07Z")), Step.DEBUG);
        Facts f = r.facts().orElseThrow();
        assertThat(nonZeroPcrs(f)).containsExactly("PCR3", "PCR4");
        assertThat(f.publicKey()).contains(Bytes.of("my super secret key".getBytes()));
        assertThat(f.userData()).contains(Bytes.of("hello, world!".getBytes()));
        assertThat(f.nonce()).isEmpty();
    }

    @Test
    void pcr_policy_accepts_the_stated_pcr0_and_rejects_another() {
        Bytes pcr0 = Bytes.ofHex("9baef83909784e4d2cb84466c02931bb8125e948b62029029e80bfa1698bfd7069408e4ab20d1c99c859e8f774cce0ff");
        var ok = valid(verify(read(N1), Policy.defaults().withExpectedMeasurements(Map.of("PCR0", pcr0)), N1_AT));
        assertThat(ok.passed()).contains(Step.MEASUREMENT_POLICY);
        Bytes other = Bytes.ofHex("00".repeat(47) + "01");
        var r = rejected(verify(read(N1), Policy.defaults().withExpectedMeasurements(Map.of("PCR0", other)), N1_AT),
                Step.MEASUREMENT_POLICY);
        assertThat(r.reason()).isEqualTo("measurement PCR0 expected " + other + ", got " + pcr0);
    }

    @Test
    void an_allowlist_passes_when_any_one_set_matches_and_names_every_miss_otherwise() {
        Bytes pcr0 = Bytes.ofHex("9baef83909784e4d2cb84466c02931bb8125e948b62029029e80bfa1698bfd7069408e4ab20d1c99c859e8f774cce0ff");
        Bytes zero = Bytes.ofHex("00".repeat(48));
        Map<String, Bytes> oldImage = Map.of("PCR0", zero);
        Map<String, Bytes> thisImage = Map.of("PCR0", pcr0, "PCR3", zero);
        valid(verify(read(N1), Policy.defaults().withAllowedMeasurements(List.of(oldImage, thisImage)), N1_AT));
        var r = rejected(verify(read(N1), Policy.defaults().withAllowedMeasurements(List.of(oldImage, Map.of("PCR9", pcr0))),
                N1_AT), Step.MEASUREMENT_POLICY);
        assertThat(r.reason()).isEqualTo("measurements match none of the 2 allowed sets: #0: measurement PCR0 expected "
                + zero + ", got " + pcr0 + "; #1: measurement PCR9 expected " + pcr0 + ", got " + zero);
    }

    @Test
    void nonce_policy_accepts_the_document_nonce_and_rejects_another() {
        Bytes nonce = Bytes.ofHex("0123456789abcdef0123456789abcdef01234567");
        valid(verify(read(N1), Policy.defaults().withNonce(nonce), N1_AT));
        rejected(verify(read(N1), Policy.defaults().withNonce(Bytes.ofHex("01")), N1_AT), Step.NONCE);
        rejected(verify(read(N9), Policy.defaults().withNonce(nonce), Instant.parse("2021-03-17T22:01:56Z")), Step.NONCE);
    }

    @Test
    void freshness_window_is_measured_from_the_document_timestamp() {
        Policy fiveMinutes = Policy.defaults().withMaxAge(Duration.ofMinutes(5));
        valid(verify(read(N1), fiveMinutes, N1_AT)); // 3m57s after the timestamp
        var r = rejected(verify(read(N1), Policy.defaults().withMaxAge(Duration.ofMinutes(3)), N1_AT), Step.FRESHNESS);
        assertThat(r.reason()).contains("older than PT3M");
    }

    @Test
    void key_binding_is_found_in_public_key_or_at_the_start_of_user_data() {
        valid(verify(read(N1), Policy.defaults().withKeyBinding(Bytes.of("dummy".getBytes())), N1_AT));
        valid(verify(read(N1), Policy.defaults().withKeyBinding(Bytes.ofHex("1220b735546536e78ee1")), N1_AT));
        rejected(verify(read(N1), Policy.defaults().withKeyBinding(Bytes.ofHex("abcdef")), N1_AT), Step.KEY_BINDING);
    }

    @Test
    void base64_hex_and_raw_encodings_of_the_same_document_verify_alike() {
        byte[] raw = Encoding.decodeText(read(N1));
        assertThat(raw.length).isEqualTo(4556);
        assertThat(raw[0] & 0xff).isEqualTo(0x84);
        byte[] hex = java.util.HexFormat.of().formatHex(raw).getBytes();
        for (byte[] form : List.of(raw, hex, read(N1))) {
            assertThat(Attestations.detect(form)).contains(EvidenceKind.AWS_NITRO);
            valid(verify(form, Policy.defaults(), N1_AT));
        }
    }

    static List<String> nonZeroPcrs(Facts f) {
        return f.measurements().entrySet().stream().filter(e -> !e.getValue().isAllZero()).map(Map.Entry::getKey).toList();
    }
}
