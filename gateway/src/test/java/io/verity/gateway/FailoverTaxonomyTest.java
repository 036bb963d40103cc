package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.gateway.pay.Payer;
import io.verity.gateway.policy.NodeResult;
import io.verity.protocol.wire.FailureSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: which node failures the gateway carries to another node (the node's, its engine's, its upstream's)
 * and which it hands back to the client at once (the request's, its payer's); and the gateway's secrets and
 * HTTP limits as its flags take them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FailoverTaxonomyTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode problem(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void a_node_that_names_the_request_is_not_failed_over() throws Exception {
        assertThat(NodeResult.source(422, problem("{\"source\":\"request\",\"retryable\":false}"))).isEqualTo(FailureSource.REQUEST);
        assertThat(NodeResult.source(400, null)).isEqualTo(FailureSource.REQUEST);
        assertThat(NodeResult.source(402, problem("{}"))).isEqualTo(FailureSource.PAYMENT);
    }

    @Test
    void a_run_a_node_stopped_at_its_time_limit_is_the_requests_and_is_not_carried_to_the_next_node() {
        // as the node writes it: its inputs make the run as long on any node, so failing over would burn each in turn
        var problem = io.verity.protocol.wire.ProblemKind.RUN_TOO_LONG.problem("the model ran longer than this node's limit of"
                + " 20000 ms (--max-run-ms) and was stopped").toJson(false);
        assertThat(problem.get("status").asInt()).isEqualTo(422);
        assertThat(NodeResult.source(422, problem)).isEqualTo(FailureSource.REQUEST);
        assertThat(NodeResult.source(422, problem).retryElsewhere()).isFalse();
    }

    @Test
    void a_429_or_a_missing_model_means_try_another_node() throws Exception {
        assertThat(NodeResult.source(429, problem("{\"source\":\"node\",\"retryable\":true}")).retryElsewhere()).isTrue();
        assertThat(NodeResult.source(429, null).retryElsewhere()).isTrue();
        assertThat(NodeResult.source(404, problem("{\"source\":\"node\",\"retryable\":true}")).retryElsewhere()).isTrue();
    }

    @Test
    void a_node_may_call_its_own_4xx_retryable_but_never_its_5xx_the_clients() throws Exception {
        assertThat(NodeResult.source(400, problem("{\"source\":\"engine\",\"retryable\":true}"))).isEqualTo(FailureSource.ENGINE);
        assertThat(NodeResult.source(500, problem("{\"source\":\"request\",\"retryable\":false}"))).isEqualTo(FailureSource.NODE);
        assertThat(NodeResult.source(503, problem("{\"source\":\"request\"}")).retryElsewhere()).isTrue();
    }

    @Test
    void a_source_that_contradicts_its_retryable_flag_or_is_unknown_falls_back_to_the_status() throws Exception {
        assertThat(NodeResult.source(400, problem("{\"source\":\"node\",\"retryable\":false}"))).isEqualTo(FailureSource.REQUEST);
        assertThat(NodeResult.source(400, problem("{\"source\":\"martians\"}"))).isEqualTo(FailureSource.REQUEST);
        assertThat(NodeResult.source(429, problem("{\"source\":42}"))).isEqualTo(FailureSource.NODE);
    }

    @Test
    void the_client_key_comes_from_the_environment_or_a_file_never_a_flag(@TempDir Path dir) throws Exception {
        String[] base = {"--home", "/tmp/g", "--deployment", "/tmp/d.json"};
        assertThat(GatewayMain.parse(base, Map.of(GatewayMain.CLIENT_KEY_ENV, "0xabc")::get).clientKey()).contains("0xabc");
        Path file = dir.resolve("client.key");
        Files.writeString(file, "0xdef\n");
        String[] withFile = {"--home", "/tmp/g", "--deployment", "/tmp/d.json", "--client-key-file", file.toString()};
        assertThat(GatewayMain.parse(withFile, n -> null).clientKey()).contains("0xdef");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--client-key", "0x1"},
                n -> null)).hasMessageContaining("--client-key is gone").hasMessageNotContaining("0x1");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--client-key-file",
                dir.resolve("missing").toString()}, n -> null)).hasMessageStartingWith("--client-key-file: cannot read");
    }

    @Test
    void http_limits_are_flags_with_defaults() {
        GatewayConfig d = GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d"}, n -> null);
        assertThat(d.maxConcurrentInferences()).isEqualTo(GatewayConfig.DEFAULT_CONCURRENT_INFERENCES);
        assertThat(d.maxBodyBytes()).isEqualTo(64L << 20);
        GatewayConfig c = GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--max-concurrent", "3",
                "--max-body-bytes", "4096", "--idle-timeout-ms", "1500", "--min-data-rate", "0", "--retry-after-s", "7"}, n -> null);
        assertThat(c.maxConcurrentInferences()).isEqualTo(3);
        assertThat(c.maxBodyBytes()).isEqualTo(4096);
        assertThat(c.http().idleTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.http().minDataRate()).isZero();
        assertThat(c.http().retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--max-body-bytes", "10"},
                n -> null)).hasMessage("--max-body-bytes: maxBodyBytes must be >= 1024, got 10");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--min-data-rate", "fast"},
                n -> null)).hasMessage("--min-data-rate: expected a number, got 'fast'");
    }

    @Test
    void voucher_pacing_is_a_flag_with_defaults() {
        GatewayConfig d = GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d"}, n -> null);
        assertThat(d.vouchers()).isEqualTo(Payer.Pacing.DEFAULT);
        GatewayConfig c = GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--voucher-batch", "1",
                "--voucher-spacing-ms", "0"}, n -> null);
        assertThat(c.vouchers()).isEqualTo(new Payer.Pacing(1, Duration.ZERO));
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--voucher-batch", "0"},
                n -> null)).hasMessage("--voucher-batch: must be at least 1 answer, got 0");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", "/tmp/g", "--deployment", "d", "--voucher-spacing-ms",
                "soon"}, n -> null)).hasMessage("--voucher-spacing-ms expects a number, got 'soon'");
    }
}
