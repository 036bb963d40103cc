package io.verity.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.node.settle.ChainSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Smoke run of {@link SettlementLatency} for two seconds on one node, with small batches so several land: every
 * receipt answered in the window becomes provable on the interval-mining chain, and the tables print.
 */
class SettlementLatencyIT {
    @Test
    void every_measured_receipt_becomes_provable_and_the_report_has_its_tables() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SettlementLatency.Result r = SettlementLatency.run(2, 2, 1, Duration.ofSeconds(1),
                ChainSettings.of(Path.of("deployment.json")).withBatching(64, Duration.ofMillis(500)).withBatchMin(8),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String report = bytes.toString(StandardCharsets.UTF_8);

        assertThat(r.answers()).isPositive();
        assertThat(r.errors()).isZero();
        assertThat(r.unprovable()).isZero();
        assertThat(r.latenciesNanos()).hasSize((int) r.answers());
        assertThat(java.util.Arrays.stream(r.latenciesNanos()).min().orElseThrow()).isPositive();
        assertThat(r.batches()).isPositive();
        assertThat(r.gasAlone()).isPositive();
        assertThat(report).contains("| answer -> provable | p50 | p90 | p99 | max |")
                .contains("| gas of one receipt alone | cost ratio (goal <= 0.01) |");
    }
}
