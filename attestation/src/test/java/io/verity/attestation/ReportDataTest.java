package io.verity.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.attestation.internal.Failure;
import io.verity.attestation.internal.PolicyChecks;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class ReportDataTest {
    static final Bytes KEY = Bytes.ofHex("11".repeat(20));
    static final Bytes NONCE = Bytes.ofHex("22".repeat(32));

    @Test
    void lays_out_the_key_binding_then_the_nonce_zero_padded() {
        assertThat(ReportData.of(KEY, NONCE).hex()).isEqualTo("11".repeat(20) + "00".repeat(12) + "22".repeat(32));
    }

    @Test
    void what_it_produces_passes_the_verifier_checks_and_another_key_fails_them() {
        Bytes rd = ReportData.of(KEY, NONCE);
        Policy p = Policy.defaults().withKeyBinding(KEY).withNonce(NONCE);
        PolicyChecks.reportDataKeyBinding(p, rd);
        PolicyChecks.reportDataNonce(p, rd);
        Policy other = Policy.defaults().withKeyBinding(Bytes.ofHex("12".repeat(20)));
        assertThatThrownBy(() -> PolicyChecks.reportDataKeyBinding(other, rd)).isInstanceOf(Failure.class)
                .hasMessage("report_data[0..20) expected key binding 0x" + "12".repeat(20) + ", got 0x" + "11".repeat(20));
    }

    @Test
    void refuses_parts_longer_than_32_bytes() {
        assertThatThrownBy(() -> ReportData.of(Bytes.ofHex("00".repeat(33)), NONCE))
                .hasMessage("keyBinding must be at most 32 bytes, got 33");
    }
}
