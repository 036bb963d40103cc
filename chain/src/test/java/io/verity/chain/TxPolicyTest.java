package io.verity.chain;

import io.verity.chain.rpc.TxPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/** The transaction flags every sending process shares, and how a stuck transaction's fees are raised. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class TxPolicyTest {
    private static final TxPolicy DEFAULTS = TxPolicy.defaults();

    @Test
    void each_flag_sets_its_setting_and_other_flags_are_left_alone() {
        assertThat(DEFAULTS.parseFlag("--tx-confirmations", "3").orElseThrow().confirmations()).isEqualTo(3);
        assertThat(DEFAULTS.parseFlag("--tx-max-fee-wei", "7").orElseThrow().maxFeePerGasCap()).isEqualTo(BigInteger.valueOf(7));
        assertThat(DEFAULTS.parseFlag("--tx-priority-fee-wei", "0").orElseThrow().priorityFeeCap()).isEqualTo(BigInteger.ZERO);
        assertThat(DEFAULTS.parseFlag("--tx-replace-after-ms", "1500").orElseThrow().replaceAfter()).isEqualTo(Duration.ofMillis(1500));
        assertThat(DEFAULTS.parseFlag("--tx-receipt-timeout-ms", "100").orElseThrow().receiptTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(DEFAULTS.parseFlag("--port", "7070")).isEmpty();
    }

    @Test
    void a_bad_value_is_refused_naming_the_flag() {
        assertThatThrownBy(() -> DEFAULTS.parseFlag("--tx-confirmations", "0"))
                .hasMessage("--tx-confirmations: confirmations must be in 1..1000, got 0");
        assertThatThrownBy(() -> DEFAULTS.parseFlag("--tx-max-fee-wei", "lots"))
                .hasMessage("--tx-max-fee-wei: expected a number, got 'lots'");
        assertThatThrownBy(() -> DEFAULTS.parseFlag("--tx-replace-after-ms", "0"))
                .hasMessage("--tx-replace-after-ms: replaceAfter must be positive, got PT0S");
    }

    @Test
    void a_replacement_raises_both_fees_by_an_eighth_or_to_todays_when_higher() {
        Fees sent = new Fees(BigInteger.valueOf(800), BigInteger.valueOf(80));
        assertThat(sent.bumped(new Fees(BigInteger.valueOf(100), BigInteger.valueOf(10)), DEFAULTS))
                .contains(new Fees(BigInteger.valueOf(901), BigInteger.valueOf(91)));
        assertThat(sent.bumped(new Fees(BigInteger.valueOf(5000), BigInteger.valueOf(200)), DEFAULTS))
                .contains(new Fees(BigInteger.valueOf(5000), BigInteger.valueOf(200)));
    }

    @Test
    void no_replacement_when_the_caps_leave_no_room_for_ten_percent() {
        TxPolicy capped = DEFAULTS.withFeeCaps(BigInteger.valueOf(850), BigInteger.valueOf(1000));
        assertThat(new Fees(BigInteger.valueOf(800), BigInteger.valueOf(80)).bumped(new Fees(BigInteger.ONE, BigInteger.ONE), capped))
                .isEmpty();
        assertThat(new Fees(BigInteger.valueOf(800), null).bumped(new Fees(BigInteger.valueOf(2000), null), DEFAULTS))
                .contains(new Fees(BigInteger.valueOf(2000), null)); // legacy: the gas price alone
    }
}
