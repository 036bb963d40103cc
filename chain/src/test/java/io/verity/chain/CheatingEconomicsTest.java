package io.verity.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.verity.chain.devnet.CheatingEconomics;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's economics, run: with the default stake and committee slash, audits at 5 % of the traffic make a node
 * that lies on every request lose at least 10x what it gains, for prices up to {@link CheatingEconomics#maxPrice};
 * a seeded simulation of the lie (answer, get audited with probability q, get slashed at the first audit) agrees
 * with the formula and says how many requests the lie lasts (docs/gateway.md and docs/benchmarks.md quote it).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class CheatingEconomicsTest {
    static final long SEED = 18;
    static final int TRIALS = 20_000;

    record Run(double meanRequests, double lossOverGain) {}

    /** TRIALS liars, each served until its first audit; total stake lost over total price earned unaudited. */
    static Run simulate(CheatingEconomics e, double q, BigInteger price) {
        SplittableRandom random = new SplittableRandom(SEED);
        long requests = 0, paid = 0;
        for (int t = 0; t < TRIALS; t++) {
            int n = 1;
            while (random.nextDouble() >= q) n++;
            requests += n;
            paid += n - 1; // the audited answer is not paid
        }
        double gain = price.doubleValue() * paid;
        return new Run(requests / (double) TRIALS, e.slashed().doubleValue() * TRIALS / gain);
    }

    @Test
    void audits_at_five_percent_make_lying_cost_ten_times_its_gain_up_to_the_max_price() {
        CheatingEconomics e = CheatingEconomics.defaults();
        BigInteger max = e.maxPrice(0.05, 10);
        assertThat(e.lossOverGain(0.05, max)).isCloseTo(10, within(1e-9));
        assertThat(e.lossOverGain(0.05, max.divide(BigInteger.TWO))).isCloseTo(20, within(1e-9));
        assertThat(max).as("wei per request: 0.05 * 0.5 ether / (10 * 0.95)").isEqualTo(new BigInteger("2631578947368421"));

        Run run = simulate(e, 0.05, max);
        assertThat(run.lossOverGain()).isCloseTo(10, within(0.5));
        assertThat(run.meanRequests()).isCloseTo(20, within(1.0));
        Run rare = simulate(e, 0.01, max);
        assertThat(rare.meanRequests()).isCloseTo(100, within(5.0));
        assertThat(rare.lossOverGain()).as("one audit in 100 at the same price: not enough").isLessThan(10);
        System.out.printf("cheating economics (seed %d, %d liars each): p=0.05 %.1f requests until slashed, loss/gain %.2f at "
                + "%s wei; p=0.01 %.1f requests, loss/gain %.2f%n", SEED, TRIALS, run.meanRequests(), run.lossOverGain(), max,
                rare.meanRequests(), rare.lossOverGain());
    }

    @Test
    void a_rate_or_price_out_of_range_is_refused_by_name() {
        CheatingEconomics e = CheatingEconomics.defaults();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.lossOverGain(0, BigInteger.ONE))
                .hasMessage("audit rate must be in (0, 1), got 0.0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.lossOverGain(0.1, BigInteger.ZERO))
                .hasMessage("price must be > 0 wei, got 0");
    }
}
