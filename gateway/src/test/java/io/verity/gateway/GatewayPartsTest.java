package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.policy.Policy;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The gateway's decision rules, each on its own: tolerance, routing order, audit probability, flags. */
class GatewayPartsTest {
    static final Keccak256 MODEL = Keccak256.hash(new byte[] {1});

    static NodeState node(int i, long priceWei, double latencyMs) {
        NodeState n = new NodeState(EvmAddress.wrap(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) i}),
                URI.create("http://127.0.0.1:" + (7000 + i)));
        n.updateRegistration(n.url(), BigInteger.valueOf(priceWei), BigInteger.TEN.pow(18), List.of(MODEL));
        n.updateHealth(true, "ok", Optional.of(List.of(new NodeState.ServedModel("m", "1", MODEL))));
        if (latencyMs > 0) n.recordSuccess(latencyMs);
        return n;
    }

    @Test
    void toleranceComparesFloatsWithinBoundsAndEverythingElseExactly() {
        Tolerance t = new Tolerance(1e-5, 1e-4);
        Tensor a = Tensor.ofFloats("y", Shape.of(2), 1.0f, 100.0f);
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(2), 1.000005f, 100.009f)))).isTrue();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(2), 1.001f, 100.0f)))).isFalse();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("z", Shape.of(2), 1.0f, 100.0f)))).as("name").isFalse();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(1, 2), 1.0f, 100.0f)))).as("shape").isFalse();
        assertThat(t.same(List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)), List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)))).isTrue();
        assertThat(t.same(List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)), List.of(Tensor.ofFloats("y", Shape.of(1), 0f)))).isFalse();
        assertThat(t.same(List.of(Tensor.ofLongs("k", Shape.of(1), 3)), List.of(Tensor.ofLongs("k", Shape.of(1), 4)))).isFalse();
    }

    @Test
    void routingPrefersFastCheapTrustedNodesAndSkipsQuarantinedOnes() {
        NodeState fast = node(1, 100, 2), slow = node(2, 100, 20), dear = node(3, 1000, 2);
        Routing r = Routing.DEFAULT;
        Instant now = Instant.now();
        assertThat(r.rank(List.of(slow, dear, fast), MODEL, Set.of(), now)).containsExactly(fast, dear, slow);
        assertThat(Routing.parse("latency=0,price=1,reputation=0").rank(List.of(dear, slow, fast), MODEL, Set.of(), now).get(2))
                .isEqualTo(dear);
        fast.recordDissent(now.plus(Duration.ofMinutes(1)));
        assertThat(r.rank(List.of(slow, dear, fast), MODEL, Set.of(), now)).containsExactly(dear, slow);
        assertThat(r.rank(List.of(slow, dear, fast), MODEL, Set.of(dear.address), now)).containsExactly(slow);
        assertThat(r.rank(List.of(slow, dear, fast), MODEL, Set.of(), now.plus(Duration.ofMinutes(2)))).contains(fast);
        slow.deregister();
        assertThat(r.rank(List.of(slow, dear), MODEL, Set.of(), now)).containsExactly(dear);
        assertThat(r.rank(List.of(dear), Keccak256.hash(new byte[] {2}), Set.of(), now)).as("other model").isEmpty();
    }

    @Test
    void auditProbabilityMakesCheatingUnprofitable() {
        Sampling s = new Sampling(0.5, 2.0);
        NodeState n = node(1, 1_000_000_000_000L, 0); // price 1e12 wei, stake 1 ether
        double floor = s.floor(n);
        // q >= m·P / (P + f·S) = 2e12 / (1e12 + 5e17) ≈ 4e-6
        assertThat(floor).isCloseTo(2e12 / (1e12 + 5e17), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.probability(0.05, n)).isEqualTo(0.05);
        NodeState unstakedButPricey = new NodeState(n.address, n.url());
        unstakedButPricey.updateRegistration(n.url(), BigInteger.TEN.pow(18), BigInteger.TEN.pow(18), List.of());
        assertThat(s.probability(0.05, unstakedButPricey)).as("price equal to stake: audit most requests").isGreaterThan(0.5);
        // Expected gain of cheating at the floor is not positive: q·f·S >= (1 − q)·P.
        double q = s.floor(n) / 2, f = 0.5, stake = 1e18, price = 1e12;
        assertThat(q * f * stake).isGreaterThanOrEqualTo((1 - q) * price * 0.999999);
    }

    @Test
    void flagsAreParsedOrRefusedWithTheirName() {
        GatewayConfig c = GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "/tmp/d.json", "--policy",
                "redundant:3", "--tolerance", "silero-vad=1e-3,1e-2", "--tolerance", "1e-6,1e-5", "--hedge-ms", "50"});
        assertThat(c.defaultPolicy()).isEqualTo(new Policy.Redundant(3));
        assertThat(c.toleranceFor("silero-vad@5")).isEqualTo(new Tolerance(1e-3, 1e-2));
        assertThat(c.toleranceFor("other")).isEqualTo(new Tolerance(1e-6, 1e-5));
        assertThat(c.hedgeAfter()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.home()).isEqualTo(Path.of("/tmp/g"));
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g"})).hasMessageContaining("--deployment");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--port", "x"}))
                .hasMessageContaining("--port");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--policy", "all"}))
                .hasMessageContaining("expected none");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--routing", "speed=1"}))
                .hasMessageContaining("unknown routing weight");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--tolerance", "x"}))
                .hasMessageContaining("[model=]abs,rel");
    }
}
