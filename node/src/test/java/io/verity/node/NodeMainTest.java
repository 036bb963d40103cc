package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.chain.ChainAccount;
import io.verity.chain.keys.KeyStoreFile;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import io.verity.node.serve.DetTrace;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void transaction_flags_reach_the_chain_settings_so_a_batch_settles_only_after_its_confirmations() {
        NodeConfig c = NodeMain.parse(new String[] {"--tx-confirmations", "3", "--deployment", "/tmp/d.json",
                "--tx-max-fee-wei", "100000000000", "--tx-replace-after-ms", "5000", "--rpc", "http://a:8545,http://b:8545"});
        var chain = c.chain().orElseThrow();
        assertThat(chain.tx()).isEqualTo(io.verity.chain.rpc.TxPolicy.defaults().withConfirmations(3)
                .withFeeCaps(new BigInteger("100000000000"), io.verity.chain.rpc.TxPolicy.defaults().priorityFeeCap())
                .withReplaceAfter(Duration.ofSeconds(5)));
        assertThat(chain.rpcUrl()).contains("http://a:8545,http://b:8545");
        assertThat(NodeMain.parse(new String[] {"--deployment", "/tmp/d.json"}).chain().orElseThrow().tx())
                .isEqualTo(io.verity.chain.rpc.TxPolicy.defaults());
    }

    @Test
    void the_chain_key_comes_from_an_encrypted_keystore_with_its_password_from_the_environment(@TempDir Path dir) {
        ChainAccount account = ChainAccount.fromPrivateKey("0x" + "07".repeat(32));
        Path file = dir.resolve("node.json");
        KeyStoreFile.write(file, account, KeyStoreFile.Password.fromEnv("PW", n -> "pw"), KeyStoreFile.Scrypt.LIGHT);

        NodeConfig c = NodeMain.parse(new String[] {"--deployment", "/tmp/d.json", "--keystore", file.toString(),
                "--password-env", "NODE_PW"}, n -> n.equals("NODE_PW") ? "pw" : null);

        assertThat(c.chain().orElseThrow().accountKey()).contains(account.privateKeyHex());
        assertThat(c.chain().orElseThrow().toString()).doesNotContain("0707");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--keystore", file.toString(), "--password-env", "NODE_PW"},
                n -> n.equals("NODE_PW") ? "pw" : null)).hasMessageStartingWith("--keystore needs --deployment");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--deployment", "/tmp/d.json", "--keystore", file.toString(),
                "--password-env", "NODE_PW"}, n -> n.equals("NODE_PW") ? "wrong" : null)).hasMessageStartingWith("--keystore: cannot open " + file);
    }

    @Test
    void engine_defaults_to_onnxruntime_and_takes_det() {
        assertThat(NodeMain.parse(new String[] {"--home", "/tmp/h"}).engine()).isEqualTo(io.verity.engine.EngineKind.ONNXRUNTIME);
        assertThat(NodeMain.parse(new String[] {"--engine", "det"}).engine()).isEqualTo(io.verity.engine.EngineKind.DET);
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--engine", "tensorrt"}))
                .hasMessage("--engine: engine must be one of det, onnxruntime, got 'tensorrt'");
    }

    @Test
    void det_contract_defaults_to_verity_det_3_and_takes_2() {
        assertThat(NodeMain.parse(new String[] {"--home", "/tmp/h"}).detContract()).isEqualTo("verity-det/3");
        assertThat(NodeMain.parse(new String[] {"--det-contract", "2"}).detContract()).isEqualTo("verity-det/2");
        assertThat(NodeMain.parse(new String[] {"--det-contract", "verity-det/3"}).detContract()).isEqualTo("verity-det/3");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--det-contract", "1"}))
                .hasMessage("--det-contract: deterministic contract must be 2 or 3 (verity-det/2, verity-det/3), got '1'");
    }

    @Test
    void det_trace_defaults_to_on_challenge_takes_eager_and_is_refused_without_the_det_engine() {
        assertThat(NodeMain.parse(new String[] {"--home", "/tmp/h"}).detTrace()).isEqualTo(DetTrace.ON_CHALLENGE);
        assertThat(NodeMain.parse(new String[] {"--det-trace", "eager", "--engine", "det"}).detTrace()).isEqualTo(DetTrace.EAGER);
        assertThat(NodeMain.parse(new String[] {"--engine", "det", "--det-trace", "on-challenge"}).detTrace()).isEqualTo(DetTrace.ON_CHALLENGE);
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--engine", "det", "--det-trace", "lazy"}))
                .hasMessage("--det-trace: det trace must be on-challenge or eager, got 'lazy'");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--det-trace", "eager"}))
                .hasMessage("--det-trace: only the deterministic engine keeps a trace; add --engine det");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--engine", "onnxruntime", "--det-trace", "on-challenge"}))
                .hasMessageStartingWith("--det-trace: only the deterministic engine");
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
                .hasMessage("--batch-size/--batch-min/--batch-age-ms/--redeem-interval-ms/--payment-credit-wei: redeemInterval must be >= 1 ms,"
                        + " got PT0S");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--deployment", "d.json", "--payment-credit-wei", "0"}))
                .hasMessage("--batch-size/--batch-min/--batch-age-ms/--redeem-interval-ms/--payment-credit-wei: paymentCredit must be"
                        + " > 0 wei, got 0");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--redeem-interval-ms", "100"}))
                .hasMessage("--rpc, --batch-size, --batch-min, --batch-age-ms, --redeem-interval-ms, --payment-credit-wei and --tx-* need --deployment");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--tx-confirmations", "3"}))
                .hasMessage("--rpc, --batch-size, --batch-min, --batch-age-ms, --redeem-interval-ms, --payment-credit-wei and --tx-* need --deployment");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--deployment", "d.json", "--tx-confirmations", "0"}))
                .hasMessage("--tx-confirmations: confirmations must be in 1..1000, got 0");
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
                .hasMessage("--upstream-key-env/-file and --upstream-model need --upstream-url");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-key-env", "NOPE"}, n -> null))
                .hasMessage("--upstream-key-env: environment variable NOPE is not set");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-url", "ftp://u/v1", "--upstream-model", "a"}, n -> null))
                .hasMessageStartingWith("--upstream-*: the upstream URL must be http(s)");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-url", "http://u/v1", "--upstream-model", "a",
                "--upstream-model", "a=b"}, n -> null)).hasMessage("--upstream-model: model a is mapped twice");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-key", "sk-secret"}, n -> null))
                .hasMessage("--upstream-key: a key on a command line shows in ps; pass --upstream-key-env NAME or --upstream-key-file FILE");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-key-file", "/nonexistent/key"}, n -> null))
                .hasMessageStartingWith("--upstream-key-file: cannot read /nonexistent/key");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--upstream-key-env", "K"},
                n -> n.equals("K") ? "sk has space" : null))
                .hasMessage("--upstream-key-env: an API key must be printable ASCII without spaces");
    }

    @Test
    void embedding_flags_bound_a_request_and_are_checked() {
        NodeConfig c = NodeMain.parse(new String[] {"--embedding-max-inputs", "8", "--embedding-max-input-tokens", "128"}, n -> null);
        assertThat(c.openAi().embeddingLimits()).isEqualTo(new OpenAiSettings.EmbeddingLimits(8, 128));
        assertThat(NodeConfig.defaults(java.nio.file.Path.of("x")).openAi().embeddingLimits())
                .isEqualTo(new OpenAiSettings.EmbeddingLimits(256, 512));
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--embedding-max-inputs", "0"}, n -> null))
                .hasMessageStartingWith("--embedding-max-inputs: maxInputs");
    }

    @Test
    void max_run_ms_limits_a_run_defaults_to_20_s_turns_off_with_0_and_is_checked(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        assertThat(NodeMain.parse(new String[0], n -> null).maxRun()).isEqualTo(Duration.ofSeconds(20)).isEqualTo(NodeConfig.DEFAULT_MAX_RUN);
        assertThat(NodeMain.parse(new String[] {"--max-run-ms", "1500"}, n -> null).maxRun()).isEqualTo(Duration.ofMillis(1500));
        assertThat(NodeMain.parse(new String[] {"--max-run-ms", "0"}, n -> null).maxRun()).isZero();
        Path config = io.verity.testing.ConfigFiles.write(dir.resolve("node.conf"), "--max-run-ms", "250");
        assertThat(NodeMain.parse(new String[] {"--config", config.toString()}, n -> null).maxRun()).isEqualTo(Duration.ofMillis(250));
        assertThat(NodeMain.parse(new String[0], java.util.Map.of("VERITY_MAX_RUN_MS", "99")::get).maxRun()).isEqualTo(Duration.ofMillis(99));
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--max-run-ms", "-1"}, n -> null))
                .hasMessage("--max-run-ms: expected milliseconds >= 0 (0: no limit), got -1");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--max-run-ms", "5s"}, n -> null))
                .hasMessage("--max-run-ms: expected a number, got '5s'");
    }

    @Test
    void receipt_log_reserve_mb_defaults_to_4_mib_turns_off_with_0_and_is_checked() {
        assertThat(NodeMain.parse(new String[0], n -> null).receiptLogReserve()).isEqualTo(4L << 20)
                .isEqualTo(io.verity.node.receipts.ReceiptLog.DEFAULT_PREALLOCATE_BYTES);
        assertThat(NodeMain.parse(new String[] {"--receipt-log-reserve-mb", "16"}, n -> null).receiptLogReserve()).isEqualTo(16L << 20);
        assertThat(NodeMain.parse(new String[] {"--receipt-log-reserve-mb", "0"}, n -> null).receiptLogReserve()).isZero();
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--receipt-log-reserve-mb", "-1"}, n -> null))
                .hasMessage("--receipt-log-reserve-mb: expected MiB between 0 and 1024 (0: no reserve), got -1");
    }

    @Test
    void llm_flags_set_the_worker_limits_and_schema_bounds() {
        NodeConfig c = NodeMain.parse(new String[] {"--llm-worker-memory-mb", "2048", "--llm-restart-backoff-ms", "100",
                "--llm-restart-backoff-max-ms", "9000", "--llm-poison-ttl-ms", "60000", "--llm-poison-capacity", "7",
                "--llm-schema-max-nodes", "100", "--llm-schema-max-depth", "8", "--llm-schema-max-repetition", "64",
                "--llm-schema-max-pattern", "50"}, n -> null);
        var w = c.openAi().workers();
        assertThat(w.memoryMb()).isEqualTo(2048);
        assertThat(w.minBackoff()).isEqualTo(java.time.Duration.ofMillis(100));
        assertThat(w.maxBackoff()).isEqualTo(java.time.Duration.ofMillis(9000));
        assertThat(w.poisonTtl()).isEqualTo(java.time.Duration.ofMinutes(1));
        assertThat(w.poisonCapacity()).isEqualTo(7);
        assertThat(c.openAi().schemaLimits()).isEqualTo(new io.verity.llm.schema.SchemaGuard.Limits(100, 8, 64, 50));
        assertThat(NodeConfig.defaults(java.nio.file.Path.of("x")).openAi().workers().memoryMb()).isEqualTo(4096);
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--llm-worker-memory-mb", "100"}, n -> null))
                .hasMessage("--llm-worker-memory-mb: the worker memory limit must be 0 (none) or >= 512 MiB, got 100");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--price-per-input-token-wei", "1"}, n -> null))
                .hasMessage("--price-per-input-token-wei and --price-per-output-token-wei go together");
    }

    @Test
    void llm_stall_ms_sets_the_worker_watchdog_from_flag_config_or_environment(@TempDir Path dir) throws Exception {
        assertThat(NodeMain.parse(new String[0], n -> null).openAi().workers().stallLimit())
                .isEqualTo(io.verity.llm.LlmEngine.Options.DEFAULT_STALL_LIMIT).isEqualTo(Duration.ofMinutes(2));
        assertThat(NodeMain.parse(new String[] {"--llm-stall-ms", "1500"}, n -> null).openAi().workers().stallLimit())
                .isEqualTo(Duration.ofMillis(1500));
        assertThat(NodeMain.parse(new String[] {"--llm-stall-ms", "0"}, n -> null).openAi().workers().stallLimit()).isZero();
        Path config = io.verity.testing.ConfigFiles.write(dir.resolve("node.conf"), "--llm-stall-ms", "30000");
        assertThat(NodeMain.parse(new String[] {"--config", config.toString()}, n -> null).openAi().workers().stallLimit())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(NodeMain.parse(new String[0], java.util.Map.of("VERITY_LLM_STALL_MS", "7000")::get).openAi().workers()
                .stallLimit()).isEqualTo(Duration.ofSeconds(7));
        // other worker flags keep it, it keeps them
        var w = NodeMain.parse(new String[] {"--llm-stall-ms", "9000", "--llm-poison-capacity", "3"}, n -> null).openAi().workers();
        assertThat(w.stallLimit()).isEqualTo(Duration.ofSeconds(9));
        assertThat(w.poisonCapacity()).isEqualTo(3);
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--llm-stall-ms", "-1"}, n -> null))
                .hasMessage("--llm-stall-ms: the stall limit must be >= 0 (0: none), got -1 ms");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--llm-stall-ms", "2m"}, n -> null))
                .hasMessage("--llm-stall-ms: expected a number, got '2m'");
    }

    @Test
    void http_limits_are_flags_and_concurrency_defaults_to_the_engine_threads() {
        NodeConfig d = NodeMain.parse(new String[] {"--threads", "2"}, n -> null);
        assertThat(d.maxConcurrentInferences()).isEqualTo(2 * NodeConfig.CONCURRENT_PER_ENGINE_THREAD);
        assertThat(d.http()).isEqualTo(io.verity.http.HttpLimits.DEFAULT);
        NodeConfig c = NodeMain.parse(new String[] {"--max-concurrent", "3", "--max-body-bytes", "2048", "--idle-timeout-ms", "900",
                "--min-data-rate", "10", "--retry-after-s", "5"}, n -> null);
        assertThat(c.maxConcurrentInferences()).isEqualTo(3);
        assertThat(c.maxBodyBytes()).isEqualTo(2048);
        assertThat(c.http().idleTimeout()).isEqualTo(Duration.ofMillis(900));
        assertThat(c.http().minDataRate()).isEqualTo(10);
        assertThat(c.http().retryAfter()).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--idle-timeout-ms", "0"}, n -> null))
                .hasMessage("--idle-timeout-ms: idleTimeout must be > 0, got 0 ms");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--max-concurrent", "-1"}, n -> null))
                .hasMessage("--max-concurrent: maxConcurrent must be >= 0 (0: derived), got -1");
    }

    @Test
    void a_config_file_yields_the_config_of_the_same_flags_and_flags_and_environment_override_it(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String[] flags = {"--home", dir.toString(), "--port", "7071", "--host", "0.0.0.0", "--price-wei", "5",
                "--deployment", "/tmp/d.json", "--rpc", "http://rpc.example:8545", "--public-url", "https://node.example.com",
                "--batch-size", "9", "--batch-min", "4", "--upstream-url", "http://u.example/v1", "--upstream-model", "a", "--upstream-model", "b=c",
                "--max-concurrent", "3", "--engine", "det"};
        Path config = io.verity.testing.ConfigFiles.write(dir.resolve("node.conf"), flags);
        NodeConfig fromFile = NodeMain.parse(new String[] {"--config", config.toString()}, n -> null);
        assertThat(fromFile).isEqualTo(NodeMain.parse(flags, n -> null));
        assertThat(fromFile.chain().orElseThrow().batchMin()).isEqualTo(4);
        NodeConfig overridden = NodeMain.parse(new String[] {"--config", config.toString(), "--port", "8000"},
                java.util.Map.of("VERITY_PRICE_WEI", "6", "VERITY_PORT", "9000")::get);
        assertThat(overridden.port()).isEqualTo(8000);
        assertThat(overridden.price()).isEqualTo(BigInteger.valueOf(6));
        assertThat(overridden.host()).isEqualTo("0.0.0.0");
        java.nio.file.Files.writeString(config, "price-wei = 1\nprice = 2\n");
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--config", config.toString()}, n -> null))
                .hasMessage(config + ":2: price: unknown key (not a flag of this command)");
    }

    @Test
    void public_url_is_announced_instead_of_the_bound_address_and_checked() {
        String[] chain = {"--deployment", "/tmp/d.json", "--public-url"};
        NodeConfig c = NodeMain.parse(concat(chain, "https://node.example.com:8443/verity/"), n -> null);
        assertThat(c.chain().orElseThrow().publicUrl()).contains(java.net.URI.create("https://node.example.com:8443/verity"));
        assertThat(NodeMain.parse(new String[] {"--deployment", "/tmp/d.json"}, n -> null).chain().orElseThrow().publicUrl()).isEmpty();
        assertThatThrownBy(() -> NodeMain.parse(new String[] {"--public-url", "https://n.example"}, n -> null))
                .hasMessage("--public-url needs --deployment");
        assertThatThrownBy(() -> NodeMain.parse(concat(chain, "ftp://n.example"), n -> null))
                .hasMessageStartingWith("--public-url: public URL must be an absolute http:// or https:// URL");
        assertThatThrownBy(() -> NodeMain.parse(concat(chain, "node.example.com:7070"), n -> null))
                .hasMessageStartingWith("--public-url: public URL must be an absolute http:// or https:// URL");
        assertThatThrownBy(() -> NodeMain.parse(concat(chain, "https://user:hunter2@n.example"), n -> null))
                .hasMessage("--public-url: public URL must not carry user info").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> NodeMain.parse(concat(chain, "https://n.example/?a=1"), n -> null))
                .hasMessageStartingWith("--public-url: public URL must have no query or fragment");
        assertThatThrownBy(() -> NodeMain.parse(concat(chain, "https://n.example/#x"), n -> null))
                .hasMessageStartingWith("--public-url: public URL must have no query or fragment");
        assertThatThrownBy(() -> NodeMain.parse(concat(chain, "http://bad host/"), n -> null))
                .hasMessageStartingWith("--public-url: not a URL");
    }

    private static String[] concat(String[] a, String last) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
