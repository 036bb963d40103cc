package io.verity.attestation;

import static io.verity.attestation.Vectors.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * The key-binding rule against real evidence (which binds other people's keys, so never ours) and against
 * hand-built facts for the positive case: those facts are not evidence, they only exercise the byte layout.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class KeyBindingTest {
    static final Bytes ADDRESS = Bytes.ofHex("70997970c51812dc3a010c7d01b50e0d17dc79c8");

    static Facts facts(EvidenceKind kind, Optional<Bytes> reportData, Optional<Bytes> userData, Optional<Bytes> publicKey,
            Optional<Bytes> nonce) {
        return new Facts(kind, Optional.empty(), Map.of("PCR0", Bytes.of(new byte[48])), reportData, userData, publicKey,
                nonce, false, Optional.empty(), List.of(), Map.of());
    }

    @Test
    void the_real_nitro_document_N1_verifies_but_does_not_bind_a_verity_node_address() {
        Verdict v = verify(N1, N1_AT);
        assertThat(v.isValid()).isTrue();

        KeyBinding.Result r = KeyBinding.check(((Verdict.Valid) v).facts(), ADDRESS);
        assertThat(r.status()).isEqualTo(KeyBinding.Status.NOT_BOUND);
        assertThat(r.field()).isEqualTo("user_data");
        assertThat(r.detail()).isEqualTo("user_data[0..20) expected 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 (the node's"
                + " key binding), got 0x1220b735546536e78ee12beea2d384fcda35f749");

        Verdict.Rejected rejected = (Verdict.Rejected) KeyBinding.apply(v, ADDRESS);
        assertThat(rejected.failed()).isEqualTo(Step.KEY_BINDING);
        assertThat(rejected.passed()).containsExactly(Step.PARSE, Step.CERT_CHAIN, Step.SIGNATURE, Step.DEBUG);
        assertThat(rejected.facts()).isPresent();
    }

    @Test
    void the_real_tdx_quote_T1_does_not_bind_the_address_in_report_data() {
        Verdict v = Attestations.verify(read(T1), Optional.empty(), Policy.defaults(), List.of(read(T1_COLLATERAL)), T1_AT);
        assertThat(v.isValid()).as(v.toString()).isTrue();
        Verdict after = KeyBinding.apply(v, ADDRESS);
        assertThat(after).isInstanceOf(Verdict.Rejected.class);
        assertThat(((Verdict.Rejected) after).reason()).startsWith("report_data[0..20) expected " + ADDRESS);
    }

    @Test
    void a_rejected_verdict_is_returned_unchanged() {
        Verdict expired = verify(N1, Instant.parse("2026-02-12T20:56:03Z"));
        assertThat(expired).isInstanceOf(Verdict.Rejected.class);
        assertThat(KeyBinding.apply(expired, ADDRESS)).isSameAs(expired);
    }

    @Test
    void layout_user_data_starting_with_the_address_is_bound_and_adds_the_key_binding_step() {
        Bytes userData = Bytes.ofHex(ADDRESS.hex() + "00ff");
        Facts f = facts(EvidenceKind.AWS_NITRO, Optional.empty(), Optional.of(userData), Optional.empty(), Optional.empty());
        assertThat(KeyBinding.check(f, ADDRESS).status()).isEqualTo(KeyBinding.Status.BOUND);
        Verdict v = KeyBinding.apply(new Verdict.Valid(EvidenceKind.AWS_NITRO, f, List.of(Step.PARSE)), ADDRESS);
        assertThat(v.passed()).containsExactly(Step.PARSE, Step.KEY_BINDING);
    }

    @Test
    void layout_report_data_of_ReportData_binds_the_key_hash() {
        Bytes keyHash = Bytes.ofHex("ab".repeat(32));
        Bytes rd = ReportData.of(keyHash, Bytes.ofHex("01"));
        Facts f = facts(EvidenceKind.AMD_SEV_SNP, Optional.of(rd), Optional.empty(), Optional.empty(), Optional.empty());
        assertThat(KeyBinding.check(f, keyHash).status()).isEqualTo(KeyBinding.Status.BOUND);
        assertThat(KeyBinding.check(f, ADDRESS).status()).isEqualTo(KeyBinding.Status.NOT_BOUND);
    }

    @Test
    void a_nitro_document_without_user_data_or_public_key_has_no_field() {
        Facts f = facts(EvidenceKind.AWS_NITRO, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        KeyBinding.Result r = KeyBinding.check(f, ADDRESS);
        assertThat(r.status()).isEqualTo(KeyBinding.Status.NO_FIELD);
        assertThat(r.detail()).isEqualTo("the document has neither user_data nor public_key, so it cannot bind " + ADDRESS);
    }

    @Test
    void a_binding_that_is_neither_an_address_nor_a_key_hash_is_refused() {
        Facts f = facts(EvidenceKind.AWS_NITRO, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> KeyBinding.check(f, Bytes.ofHex("01")))
                .hasMessage("binding must be a 20-byte address or a 32-byte keccak256 of the public key, got 1 bytes");
    }

    @Test
    void measurement_digest_of_N1_is_keccak_of_PCR0_PCR1_PCR2_and_T1_differs() {
        Facts n1 = ((Verdict.Valid) verify(N1, N1_AT)).facts();
        Bytes expected = Bytes.of(new org.bouncycastle.jcajce.provider.digest.Keccak.Digest256().digest(
                Bytes.ofHex(n1.measurement("PCR0").orElseThrow().hex() + n1.measurement("PCR1").orElseThrow().hex()
                        + n1.measurement("PCR2").orElseThrow().hex()).toArray()));
        assertThat(MeasurementDigest.of(n1)).isEqualTo(expected);
        assertThat(MeasurementDigest.of(n1).length()).isEqualTo(32);
        Facts p1 = ((Verdict.Valid) verify(P1, P1_AT, P1_VCEK, ASK, ARK)).facts();
        assertThat(MeasurementDigest.of(p1)).isNotEqualTo(expected);
    }
}
