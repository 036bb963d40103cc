package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeMainTest {
    @Test
    void price_faults_and_redeem_interval_reach_the_config() {
        NodeConfig c = NodeMain.parse(new String[] {"--home", "/tmp/h", "--price-wei", "1000000000000", "--deployment",
                "/tmp/d.json", "--redeem-interval-ms", "250", "--fault-perturb", "0.25", "--fault-latency-ms", "40"});
        assertThat(c.home()).isEqualTo(Path.of("/tmp/h"));
        assertThat(c.price()).isEqualTo(new BigInteger("1000000000000"));
        assertThat(c.chain().orElseThrow().redeemInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.faults()).isEqualTo(new Faults(0.25, Duration.ofMillis(40)));
    }

    @Test
    void defaults_have_no_faults_and_a_two_second_redeem_interval() {
        NodeConfig c = NodeMain.parse(new String[] {"--deployment", "/tmp/d.json"});
        assertThat(c.faults()).isEqualTo(Faults.NONE);
        assertThat(c.faults().any()).isFalse();
        assertThat(c.chain().orElseThrow().redeemInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.chain().orElseThrow().paymentCredit()).isEmpty(); // 100 answers at the node's price
        assertThat(NodeMain.parse(new String[] {"--deployment", "/tmp/d.json", "--payment-credit-wei", "5000"}).chain()
                .orElseThrow().paymentCredit()).contains(BigInteger.valueOf(5000));
    }

    @Test
    void bad_values_name_the_flag_and_what_arrived() {
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--fault-perturb", "1.5"}))
                .hasMessage("--fault-perturb: perturb must be a probability in [0, 1], got 1.5");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--fault-perturb", "NaN"}))
                .hasMessage("--fault-perturb: perturb must be a probability in [0, 1], got NaN");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--fault-latency-ms", "-1"}))
                .hasMessage("--fault-latency-ms: addedLatency must be >= 0, got PT-0.001S");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--price-wei", "ten"}))
                .hasMessage("--price-wei: expected a number, got 'ten'");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--price-wei", "-3"}))
                .hasMessage("--price-wei: price must be >= 0 wei, got -3");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--deployment", "d.json", "--redeem-interval-ms", "0"}))
                .hasMessage("--batch-size/--batch-age-ms/--redeem-interval-ms/--payment-credit-wei: redeemInterval must be >= 1 ms,"
                        + " got PT0S");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--deployment", "d.json", "--payment-credit-wei", "0"}))
                .hasMessage("--batch-size/--batch-age-ms/--redeem-interval-ms/--payment-credit-wei: paymentCredit must be"
                        + " > 0 wei, got 0");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--redeem-interval-ms", "100"}))
                .hasMessage("--rpc, --batch-size, --batch-age-ms, --redeem-interval-ms and --payment-credit-wei need --deployment");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--port"})).hasMessage("--port needs a value");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--colour", "red"})).hasMessage("unknown argument --colour");
    }

    @Test
    void a_bad_flag_exits_2_with_a_one_line_reason() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), NodeMain.class.getName(),
                "--fault-perturb", "2").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err).startsWith("NodeMain: --fault-perturb: perturb must be a probability in [0, 1], got 2.0\n")
                .contains(NodeMain.USAGE);
    }

    @Test
    void upstream_flags_map_models_take_the_key_from_the_environment_and_never_print_it() {
        String key = "sk-secret-0123456789";
        NodeConfig c = NodeMain.parse(new String[] {"--upstream-url", "https://llm.example/v1/", "--upstream-model", "fast=gpt-x-mini",
                "--upstream-model", "same", "--upstream-key-env", "UP_KEY", "--upstream-timeout-ms", "1500", "--api-key-env", "MY_KEY",
                "--price-per-input-token-wei", "2", "--price-per-output-token-wei", "7"},
                name -> switch (name) {
                    case "UP_KEY" -> key;
                    case "MY_KEY" -> "sk-clients";
                    default -> null;
                });
        OpenAiSettings.Upstream u = c.openAi().upstream().orElseThrow();
        assertThat(u.baseUrl()).hasToString("https://llm.example/v1");
        assertThat(u.resolve("/chat/completions")).hasToString("https://llm.example/v1/chat/completions");
        assertThat(u.models()).containsExactly(java.util.Map.entry("fast", "gpt-x-mini"), java.util.Map.entry("same", "same"));
        assertThat(u.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(u.key().orElseThrow().reveal()).isEqualTo(key);
        assertThat(c.toString()).doesNotContain(key).doesNotContain("sk-clients").contains("redacted");
        assertThat(c.openAi().requiredKey().orElseThrow().matches("sk-clients")).isTrue();
        assertThat(c.openAi().requiredKey().orElseThrow().matches("sk-client")).isFalse();
        // per-token prices: 2 wei per prompt token, 7 per completion token, instead of price × all tokens
        assertThat(c.openAi().price(BigInteger.TEN, 100, 10)).isEqualTo(BigInteger.valueOf(270));
        assertThat(OpenAiSettings.NONE.price(BigInteger.TEN, 100, 10)).isEqualTo(BigInteger.valueOf(1100));
    }

    @Test
    void bad_upstream_flags_name_the_flag_without_echoing_a_key() {
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-url", "http://u/v1"}, n -> null))
                .hasMessage("--upstream-url needs at least one --upstream-model");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-model", "a"}, n -> null))
                .hasMessage("--upstream-key(-env) and --upstream-model need --upstream-url");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-key-env", "NOPE"}, n -> null))
                .hasMessage("--upstream-key-env: environment variable NOPE is not set");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-url", "ftp://u/v1", "--upstream-model", "a"}, n -> null))
                .hasMessageStartingWith("--upstream-*: the upstream URL must be http(s)");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-url", "http://u/v1", "--upstream-model", "a",
                "--upstream-model", "a=b"}, n -> null)).hasMessage("--upstream-model: model a is mapped twice");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-key", "sk has space"}, n -> null))
                .hasMessage("--upstream-key: an API key must be printable ASCII without spaces");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--price-per-input-token-wei", "1"}, n -> null))
                .hasMessage("--price-per-input-token-wei and --price-per-output-token-wei go together");
    }
}
