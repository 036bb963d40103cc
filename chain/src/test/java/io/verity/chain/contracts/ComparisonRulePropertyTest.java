package io.verity.chain.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The on-chain integers (parts per 1e9) and the doubles gateways compare with convert both ways exactly. */
class ComparisonRulePropertyTest {
    @Property(tries = 5000)
    void every_on_chain_tolerance_round_trips_through_doubles(@ForAll @LongRange(min = 0, max = ComparisonRule.MAX) long ppb) {
        assertThat(ComparisonRule.Tolerance.of(ppb / 1e9, 0).absPpb()).isEqualTo(ppb);
        assertThat(ComparisonRule.Tolerance.of(0, new ComparisonRule.Tolerance(0, ppb).rel()).relPpb()).isEqualTo(ppb);
    }

    @Test
    void decimals_users_write_convert_to_the_integers_they_mean() {
        assertThat(ComparisonRule.Tolerance.of(1e-5, 1e-4)).isEqualTo(new ComparisonRule.Tolerance(10_000, 100_000));
        assertThat(ComparisonRule.Tolerance.of(1e-9, 0.3)).isEqualTo(new ComparisonRule.Tolerance(1, 300_000_000));
        assertThat(ComparisonRule.Tolerance.of(1e6, 0)).isEqualTo(new ComparisonRule.Tolerance(ComparisonRule.MAX, 0));
        assertThat(new ComparisonRule.Tolerance(10_000, 100_000).abs()).isEqualTo(1e-5);
        assertThat(new ComparisonRule.Tolerance(10_000, 100_000).describe()).isEqualTo("tolerance:abs=1.0E-5,rel=1.0E-4");
    }

    @Test
    void values_the_chain_cannot_hold_exactly_are_refused_naming_the_field() {
        assertThatThrownBy(() -> ComparisonRule.Tolerance.of(1.5e-10, 0)).hasMessageContaining("abs tolerance must be a multiple of 1e-9");
        assertThatThrownBy(() -> ComparisonRule.Tolerance.of(0, -1)).hasMessageContaining("rel tolerance must be in [0, 1e6]");
        assertThatThrownBy(() -> ComparisonRule.Tolerance.of(Double.NaN, 0)).hasMessageContaining("abs tolerance");
        assertThatThrownBy(() -> ComparisonRule.Tolerance.of(2e6, 0)).hasMessageContaining("abs tolerance must be in [0, 1e6]");
        assertThatThrownBy(() -> new ComparisonRule.Tolerance(ComparisonRule.MAX + 1, 0)).hasMessageContaining("0..1000000000000000");
        assertThatThrownBy(() -> ComparisonRule.of(3, 0, 0)).hasMessageContaining("unknown rule kind 3");
    }
}
