package io.verity.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Smoke run of {@code ./verity llm-load} with a few requests (anvil, a staked node, a paying gateway): every path
 * answers with every token, the tables print.
 */
class LlmLoadIT {
    @Test
    void every_path_answers_and_the_report_has_its_tables() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<LlmLoad.Result> results = LlmLoad.run(3, 8, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(results).extracting(LlmLoad.Result::what).containsExactly("llama.cpp direct (child process)",
                "node, not streamed", "node, streamed (SSE)", "gateway, not streamed", "gateway, streamed (SSE)");
        for (LlmLoad.Result r : results) {
            assertThat(r.totalNanos()).hasSize(3);
            for (long n : r.totalNanos()) assertThat(n).isPositive();
            assertThat(r.tokens()).as(r.what()).containsOnly(8); // the tiny model never stops early
            for (int i = 0; i < 3; i++) assertThat(r.firstTokenNanos()[i]).isLessThanOrEqualTo(r.lastTokenNanos()[i]);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("| path | p50 first token ms | p50 total ms | p99 total ms |")
                .contains("| streamed - not streamed (SSE framing, one flush per token) |")
                .contains("| gateway streamed vs llama.cpp direct | direct | gateway | ratio (goal >= 0.95) |");
    }
}
