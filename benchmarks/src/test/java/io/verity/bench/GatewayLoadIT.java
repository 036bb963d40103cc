package io.verity.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Smoke run of {@code ./verity gateway-load} at a fifth of a second per point (its warm-ups shortened alike): every
 * point answers, the tables print. It checks that the tool works, not its numbers.
 */
class GatewayLoadIT {
    @Test
    void every_point_gets_answers_without_errors_and_the_report_has_its_tables() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<GatewayLoad.Result> results = GatewayLoad.run(0.2, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String report = bytes.toString(StandardCharsets.UTF_8);

        assertThat(results).extracting(r -> r.what() + " c=" + r.concurrency()).containsExactly(
                "direct round-robin x3 c=1", "direct round-robin x3 c=8", "direct round-robin x3 c=64",
                "gateway none c=1", "gateway none c=8", "gateway none c=64",
                "gateway redundant:2 c=1", "gateway redundant:2 c=8",
                "gateway none (CPU pair) c=8", "gateway sample:0.05 c=8");
        for (GatewayLoad.Result r : results) {
            assertThat(r.requests()).as("%s c=%d", r.what(), r.concurrency()).isPositive();
            assertThat(r.errors()).as("%s c=%d", r.what(), r.concurrency()).isZero();
            assertThat(r.cpuNanos()).as("%s c=%d", r.what(), r.concurrency()).isPositive();
        }
        assertThat(report).contains("| c | throughput gateway/direct (goal >= 0.9) |")
                .contains("| c | p50 redundant:2 / none (goal <= 1.1) |")
                .contains("| c | CPU µs/req none | CPU µs/req sample:0.05 |");
    }
}
