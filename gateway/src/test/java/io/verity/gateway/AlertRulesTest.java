package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.testing.Promtool;
import io.verity.testing.TestPaths;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * docs/alerts.yml, the operator's alerting rules (docs/operate.md), loads in Prometheus: {@code promtool check rules}.
 * That the series they name exist is GatewayIT's {@code everyMetricsPagePassesPromtool}.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AlertRulesTest {
    @Test
    void the_operators_alerting_rules_pass_promtool() throws Exception {
        Path rules = TestPaths.repoRoot().resolve("docs/alerts.yml");
        String said = Promtool.checkRules(rules);
        assertThat(said).as("promtool check rules %s", rules).doesNotStartWith("exit ").contains("SUCCESS");
        assertThat(said).containsPattern("SUCCESS: \\d+ rules found");
    }
}
