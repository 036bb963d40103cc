package io.verity.gateway.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.contracts.ComparisonRule;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** A model's on-chain rule and the tolerance the gateway compares with are the same numbers, both ways. */
class ToleranceRulePropertyTest {
    @Property(tries = 3000)
    void on_chain_tolerances_round_trip_through_the_gateways_tolerance(
            @ForAll @LongRange(min = 0, max = ComparisonRule.MAX) long abs,
            @ForAll @LongRange(min = 0, max = ComparisonRule.MAX) long rel) {
        var rule = new ComparisonRule.Tolerance(abs, rel);
        Tolerance t = Tolerance.of(rule).orElseThrow();
        assertThat(t.abs()).isEqualTo(rule.abs());
        assertThat(t.toRule()).isEqualTo(rule);
    }

    @Test
    void bit_exact_is_zero_tolerance_and_none_leaves_the_configured_one() {
        assertThat(Tolerance.of(ComparisonRule.BIT_EXACT)).contains(Tolerance.BIT_EXACT);
        assertThat(Tolerance.of(ComparisonRule.NONE)).isEmpty();
        assertThat(Tolerance.DEFAULT.toRule()).isEqualTo(new ComparisonRule.Tolerance(10_000, 100_000));
        assertThatThrownBy(() -> new Tolerance(1e-12, 0).toRule()).hasMessageContaining("multiple of 1e-9");
    }
}
