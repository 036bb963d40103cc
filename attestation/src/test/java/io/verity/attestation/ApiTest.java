package io.verity.attestation;

import static io.verity.attestation.Vectors.*;
import static io.verity.attestation.Verdicts.valid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.attestation.internal.Encoding;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** Policy validation and JSON form, Bytes, format detection and the facade's argument handling. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class ApiTest {

    @Test
    void policy_json_reads_every_field() {
        Policy p = Policy.fromJson("""
                {"measurements": {"PCR0": "0xAABB"}, "allowDebug": true, "maxAge": "PT5M",
                 "nonce": "01", "keyBinding": "0x0203", "acceptedTcbStatuses": ["UpToDate", "SWHardeningNeeded"]}""");
        assertThat(p.allowedMeasurements()).containsExactly(java.util.Map.of("PCR0", Bytes.ofHex("aabb")));
        assertThat(p.allowDebug()).isTrue();
        assertThat(p.maxAge()).contains(Duration.ofMinutes(5));
        assertThat(p.nonce()).contains(Bytes.ofHex("01"));
        assertThat(p.keyBinding()).contains(Bytes.ofHex("0203"));
        assertThat(p.acceptedTcbStatuses()).containsExactlyInAnyOrder("UpToDate", "SWHardeningNeeded");
        assertThat(Policy.fromJson("{}")).isEqualTo(Policy.defaults());
    }

    @Test
    void policy_json_errors_name_the_field_and_the_expected_form() {
        assertThatThrownBy(() -> Policy.fromJson("{\"alowDebug\": true}"))
                .hasMessage("policy field \"alowDebug\" is unknown; expected one of [acceptedTcbStatuses, allowDebug, allowedMeasurements,"
                        + " keyBinding, maxAge, measurements, nonce]");
        assertThatThrownBy(() -> Policy.fromJson("{\"allowDebug\": \"yes\"}"))
                .hasMessage("policy.allowDebug must be true or false, got \"yes\"");
        assertThatThrownBy(() -> Policy.fromJson("{\"maxAge\": \"5 minutes\"}"))
                .hasMessage("policy.maxAge must be an ISO-8601 duration like \"PT5M\", got \"5 minutes\"");
        assertThatThrownBy(() -> Policy.fromJson("{\"measurements\": {\"PCR0\": \"xyz\"}}"))
                .hasMessage("policy.measurements.PCR0: hex must have an even number of digits, got 3");
        assertThatThrownBy(() -> Policy.fromJson("[]")).hasMessage("policy must be a JSON object");
    }

    @Test
    void policy_json_reads_an_allowlist_of_measurement_sets() {
        Policy p = Policy.fromJson("""
                {"allowedMeasurements": [{"PCR0": "0x01", "PCR1": "0x02"}, {"PCR0": "0x03"}]}""");
        assertThat(p.allowedMeasurements()).hasSize(2);
        assertThat(p.allowedMeasurements().get(0)).containsOnlyKeys("PCR0", "PCR1");
        assertThatThrownBy(() -> Policy.fromJson("{\"measurements\": {\"PCR0\": \"01\"}, \"allowedMeasurements\": []}"))
                .hasMessage("policy may give measurements or allowedMeasurements, not both");
        assertThatThrownBy(() -> Policy.fromJson("{\"allowedMeasurements\": [{}]}"))
                .hasMessage("policy.allowedMeasurements[0] must be a non-empty object of name to hex");
    }

    @Test
    void policy_rejects_non_positive_ages_and_empty_bindings() {
        assertThatThrownBy(() -> Policy.defaults().withMaxAge(Duration.ZERO)).hasMessage("maxAge must be positive, got PT0S");
        assertThatThrownBy(() -> Policy.defaults().withKeyBinding(Bytes.of(new byte[0])))
                .hasMessage("keyBinding must be 1..1024 bytes, got 0");
        assertThat(Policy.defaults().acceptedTcbStatuses()).isEqualTo(Set.of("UpToDate"));
        assertThatThrownBy(() -> Policy.defaults().withAcceptedTcbStatuses(Set.of("UptoDate")))
                .hasMessage("acceptedTcbStatuses must hold Intel TCB statuses [UpToDate, SWHardeningNeeded,"
                        + " ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded,"
                        + " Revoked], got \"UptoDate\"");
    }

    @Test
    void bytes_compare_by_content_copy_arrays_and_print_as_0x_hex() {
        byte[] a = {1, 2};
        Bytes b = Bytes.of(a);
        a[0] = 9;
        assertThat(b).isEqualTo(Bytes.ofHex("0X0102")).hasToString("0x0102");
        assertThat(b.toArray()).containsExactly(1, 2);
        assertThat(b.startsWith(Bytes.ofHex("01"))).isTrue();
        assertThatThrownBy(() -> Bytes.ofHex("0g")).hasMessage("not a hex string: 0g");
    }

    @Test
    void detects_every_family_from_raw_hex_and_base64_bytes() {
        assertThat(Attestations.detect(read(N1))).contains(EvidenceKind.AWS_NITRO);
        assertThat(Attestations.detect(read(N9))).contains(EvidenceKind.AWS_NITRO);
        assertThat(Attestations.detect(read(T1))).contains(EvidenceKind.INTEL_TDX);
        assertThat(Attestations.detect(read(S1))).contains(EvidenceKind.INTEL_SGX);
        assertThat(Attestations.detect(read(P1))).contains(EvidenceKind.AMD_SEV_SNP);
        assertThat(Attestations.detect(read(G1))).contains(EvidenceKind.NVIDIA_H100);
        byte[] t1b64 = java.util.Base64.getEncoder().encode(read(T1));
        assertThat(Attestations.detect(t1b64)).contains(EvidenceKind.INTEL_TDX);
        assertThat(Attestations.detect("hello world".getBytes())).isEmpty();
        assertThat(Attestations.detect(new byte[0])).isEmpty();
    }

    @Test
    void a_tagged_cose_sign1_verifies_like_the_untagged_one() {
        byte[] raw = Encoding.decodeText(read(N1));
        byte[] tagged = new byte[raw.length + 1];
        tagged[0] = (byte) 0xd2;
        System.arraycopy(raw, 0, tagged, 1, raw.length);
        valid(verify(tagged, Policy.defaults(), N1_AT));
    }

    @Test
    void an_expected_kind_that_differs_from_the_bytes_is_rejected_at_parse() {
        Verdict v = Attestations.verify(read(N1), Optional.of(EvidenceKind.INTEL_TDX), Policy.defaults(), List.of(), N1_AT);
        assertThat(v).isInstanceOf(Verdict.Rejected.class);
        assertThat(((Verdict.Rejected) v).reason()).isEqualTo("evidence expected tdx but the bytes are nitro");
    }

    @Test
    void an_unreadable_extra_is_rejected_at_parse_naming_it() {
        Verdict v = verify(read(P1), Policy.defaults(), P1_AT, new byte[] {0x30, 0x01, 0x02});
        assertThat(v).isInstanceOf(Verdict.Rejected.class);
        assertThat(((Verdict.Rejected) v).reason()).startsWith("extra input #1 expected a certificate or CRL (PEM/DER),"
                + " collateral JSON or an XML RIM, but could not read it");
    }

    @Test
    void verification_time_comes_from_the_clock_when_given_one() {
        var clock = java.time.Clock.fixed(Instant.parse("2026-02-12T18:00:00Z"), java.time.ZoneOffset.UTC);
        assertThat(Attestations.verify(read(N1), Optional.empty(), Policy.defaults(), List.of(), clock).isValid()).isTrue();
    }
}
