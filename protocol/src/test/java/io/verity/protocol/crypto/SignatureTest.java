package io.verity.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SignatureTest {
    static final NodeKey KEY = NodeKey.fromPrivateKey(NodeKeyTest.ANVIL_KEY_0);
    static final Keccak256 DIGEST = Keccak256.hash("verity".getBytes());

    @Test
    void parses_and_prints_the_65_byte_wire_form() {
        Signature sig = KEY.sign(DIGEST);
        assertThat(Signature.parse(sig.toHex())).isEqualTo(sig);
        assertThat(sig.toHex()).hasSize(132).startsWith("0x");
        assertThat(Signature.of(sig.r(), sig.s(), sig.v())).isEqualTo(sig);
        assertThatThrownBy(() -> Signature.parse("0x1234"))
                .hasMessage("a signature must be 130 hex digits (r ‖ s ‖ v), got 4: 0x1234");
    }

    @Test
    void recovers_the_same_signer_from_the_high_s_twin_with_flipped_v_as_ecrecover_does() {
        Signature sig = KEY.sign(DIGEST);
        Signature twin = Signature.of(sig.r(), NodeKeyTest.N.subtract(sig.s()), sig.v() == 27 ? 28 : 27);
        assertThat(twin.isLowS()).isFalse();
        assertThat(twin.recover(DIGEST)).isEqualTo(KEY.address());
    }

    @Test
    void refuses_v_outside_27_and_28() {
        Signature sig = KEY.sign(DIGEST);
        Signature zero = Signature.of(sig.r(), sig.s(), 0);
        assertThat(zero.problem()).isEqualTo("v must be 27 or 28, got 0");
        assertThatThrownBy(() -> zero.recover(DIGEST)).hasMessage("cannot recover a signer: v must be 27 or 28, got 0");
    }

    @Test
    void refuses_r_or_s_of_zero_or_at_least_n() {
        Signature sig = KEY.sign(DIGEST);
        assertThat(Signature.of(BigInteger.ZERO, sig.s(), 27).problem()).isEqualTo("r must be in [1, n-1], got 0x0");
        assertThat(Signature.of(NodeKeyTest.N, sig.s(), 27).problem()).startsWith("r must be in [1, n-1], got 0xffff");
        assertThat(Signature.of(sig.r(), BigInteger.ZERO, 27).problem()).isEqualTo("s must be in [1, n-1], got 0x0");
    }

    @Test
    void refuses_an_r_that_is_no_point_on_the_curve() {
        // x = 5: 125 + 7 = 132 is not a square mod p, so no curve point has it
        Signature sig = Signature.of(BigInteger.valueOf(5), BigInteger.ONE, 27);
        assertThat(sig.problem()).isNull();
        assertThatThrownBy(() -> sig.recover(DIGEST))
                .hasMessage("cannot recover a signer: r is not the x of a curve point");
    }

    @Test
    void a_signature_over_another_digest_recovers_someone_else() {
        Signature sig = KEY.sign(DIGEST);
        assertThat(sig.recover(Keccak256.hash("other".getBytes()))).isNotEqualTo(KEY.address());
    }
}
