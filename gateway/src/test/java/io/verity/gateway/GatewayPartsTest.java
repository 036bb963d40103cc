package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.gateway.tensor.Tolerance;
import io.verity.protocol.policy.Policy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The gateway's flags, parsed or refused with their name. (Its decision rules are tested in their packages:
 * RoutingTest, ToleranceTest, SamplingTest, PolicyEngineTest.)
 */
class GatewayPartsTest {
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
