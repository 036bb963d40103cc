package io.verity.gateway.policy;

import static io.verity.gateway.routing.TestNodes.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.gateway.routing.NodeState;
import io.verity.gateway.routing.TestNodes;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The audit probability of sample:p: never so low that cheating pays. */
class SamplingTest {
    @Test
    void auditProbabilityMakesCheatingUnprofitable() {
        Sampling s = new Sampling(0.5, 2.0);
        NodeState n = node(1, 1_000_000_000_000L, 0); // price 1e12 wei, stake 1 ether
        double floor = s.floor(n);
        // q >= m·P / (P + f·S) = 2e12 / (1e12 + 5e17) ≈ 4e-6
        assertThat(floor).isCloseTo(2e12 / (1e12 + 5e17), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.probability(0.05, n)).isEqualTo(0.05);
        NodeState unstakedButPricey = TestNodes.unregistered(n.address, n.url());
        TestNodes.register(unstakedButPricey, 1_000_000_000_000_000_000L, BigInteger.TEN.pow(18), List.of());
        assertThat(s.probability(0.05, unstakedButPricey)).as("price equal to stake: audit most requests").isGreaterThan(0.5);
        // Expected gain of cheating at the floor is not positive: q·f·S >= (1 − q)·P.
        double q = s.floor(n) / 2, f = 0.5, stake = 1e18, price = 1e12;
        assertThat(q * f * stake).isGreaterThanOrEqualTo((1 - q) * price * 0.999999);
    }
}
