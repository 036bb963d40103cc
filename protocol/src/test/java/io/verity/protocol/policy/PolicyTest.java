package io.verity.protocol.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.receipt.VerificationMode;
import org.junit.jupiter.api.Test;

class PolicyTest {
    @Test
    void parsesTheThreeForms() {
        assertThat(Policy.parse("none")).isEqualTo(Policy.NONE);
        assertThat(Policy.parse(" redundant:3 ")).isEqualTo(new Policy.Redundant(3));
        assertThat(Policy.parse("sample:0.05")).isEqualTo(new Policy.Sample(0.05));
        assertThat(Policy.parse("redundant:2").wireName()).isEqualTo("redundant:2");
        assertThat(Policy.parse("sample:0.25").mode()).isEqualTo(VerificationMode.SAMPLE);
        assertThat(Policy.parse(" tee ")).isEqualTo(Policy.TEE);
        assertThat(Policy.TEE.wireName()).isEqualTo("tee");
        assertThat(Policy.TEE.mode()).isEqualTo(VerificationMode.TEE);
    }

    @Test
    void quorumIsAStrictMajority() {
        assertThat(new Policy.Redundant(2).quorum()).isEqualTo(2);
        assertThat(new Policy.Redundant(3).quorum()).isEqualTo(2);
        assertThat(new Policy.Redundant(4).quorum()).isEqualTo(3);
    }

    @Test
    void rejectsWithWhatWasExpected() {
        assertThatThrownBy(() -> Policy.parse("redundant:1")).hasMessageContaining("2 <= k");
        assertThatThrownBy(() -> Policy.parse("redundant:x")).hasMessageContaining("integer k");
        assertThatThrownBy(() -> Policy.parse("sample:0")).hasMessageContaining("0 < p <= 1");
        assertThatThrownBy(() -> Policy.parse("sample:NaN")).hasMessageContaining("probability");
        assertThatThrownBy(() -> Policy.parse("sample:")).hasMessageContaining("probability");
        assertThatThrownBy(() -> Policy.parse("tee:1")).hasMessage("unknown policy 'tee:1', expected none, redundant:k"
                + " (2 <= k <= 16), sample:p (0 < p <= 1) or tee");
        assertThatThrownBy(() -> Policy.parse(null)).hasMessageContaining("missing");
    }
}
