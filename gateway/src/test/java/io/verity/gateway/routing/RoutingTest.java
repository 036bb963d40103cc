package io.verity.gateway.routing;

import static io.verity.gateway.routing.TestNodes.MODEL;
import static io.verity.gateway.routing.TestNodes.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Routing order: fast, cheap, trusted nodes first; quarantined, deregistered and other models' nodes never. */
class RoutingTest {
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
        TestNodes.deregister(slow);
        assertThat(r.rank(List.of(slow, dear), MODEL, Set.of(), now)).containsExactly(dear);
        assertThat(r.rank(List.of(dear), Keccak256.hash(new byte[] {2}), Set.of(), now)).as("other model").isEmpty();
    }
}
