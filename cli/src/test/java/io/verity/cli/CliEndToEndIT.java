package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.chain.fixture.LocalChain;
import io.verity.cli.up.NetworkFile;
import io.verity.node.InferenceNode;
import io.verity.node.NodeConfig;
import io.verity.node.hub.ModelHub;
import io.verity.testing.RealModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The user's path: verity infer and verity verify against a real node, verity down, and their exit codes (up: {@link UpNetworkIT}). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public class CliEndToEndIT {
    @RegisterExtension static final LocalChain devnet = LocalChain.perTest();
    @TempDir Path dir;

    public static int run(String... args) {
        return Main.commandLine().execute(args);
    }

    @Test
    void down_with_nothing_running_exits_0_and_removes_a_stale_record() throws Exception {
        Path home = dir.resolve("idle");
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(run("down", "--home", home.toString())).isEqualTo(0);
            // a record whose processes are gone: a pid above Linux's pid_max cannot be alive
            NetworkFile stale = new NetworkFile(new NetworkFile.Proc(99_999_999L, null), "ready", "passed", null,
                    List.of(new NetworkFile.Component("node-1", null, "http://127.0.0.1:7071",
                            new NetworkFile.Proc(99_999_998L, null), null)));
            stale.write(home);
            assertThat(run("down", "--home", home.toString())).isEqualTo(0);
        } finally {
            System.setOut(out);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEqualTo("nothing running (no network in " + home + ")\n"
                + "nothing running (removed a stale network.json of supervisor pid 99999999)\n");
        assertThat(home.resolve(NetworkFile.NAME)).doesNotExist();
    }

    @Test
    void infer_then_verify_passes_and_a_tampered_receipt_fails_with_exit_1() throws Exception {
        Path home = dir.resolve("node");
        var vad = RealModels.sileroVadV5();
        new ModelHub(home.resolve("models")).add(vad.file(), "silero-vad", "5", vad.license(), vad.source());
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home))) {
            Path inputs = dir.resolve("inputs.json");
            ObjectNode req = Main.JSON.createObjectNode();
            var arr = req.putArray("inputs");
            arr.addObject().put("name", "input").put("dtype", "float32").putPOJO("shape", new int[] {1, 512})
                    .set("data", Main.JSON.valueToTree(new float[512]));
            arr.addObject().put("name", "state").put("dtype", "float32").putPOJO("shape", new int[] {2, 1, 128})
                    .set("data", Main.JSON.valueToTree(new float[256]));
            arr.addObject().put("name", "sr").put("dtype", "int64").putPOJO("shape", new int[0])
                    .set("data", Main.JSON.valueToTree(new long[] {16000}));
            Files.writeString(inputs, Main.JSON.writeValueAsString(req));
            Path out = dir.resolve("response.json");

            assertThat(run("infer", "--node", node.url().toString(), "--model", "silero-vad", "--input", inputs.toString(),
                    "--out", out.toString())).isEqualTo(0);
            assertThat(run("verify", out.toString(), "--inputs", inputs.toString(), "--offline")).isEqualTo(0);

            ObjectNode tampered = (ObjectNode) Main.JSON.readTree(out.toFile());
            ((ObjectNode) tampered.get("receipt")).put("price", "1000");
            ((ObjectNode) tampered.get("receipt")).remove("id");
            Path bad = dir.resolve("tampered.json");
            Files.writeString(bad, tampered.toString());
            assertThat(run("verify", bad.toString(), "--offline")).isEqualTo(Main.CHECK_FAILED);

            // the wrong inputs: the receipt is fine, the data is not what was signed
            Files.writeString(inputs, Files.readString(inputs).replace("16000", "8000"));
            assertThat(run("verify", out.toString(), "--inputs", inputs.toString(), "--offline")).isEqualTo(Main.CHECK_FAILED);

            // the node refuses an unknown model
            assertThat(run("infer", "--node", node.url().toString(), "--model", "nope", "--input", inputs.toString()))
                    .isEqualTo(Main.CHECK_FAILED);
        }
    }

    @Test
    void unreadable_input_is_exit_2_and_an_unreachable_node_exit_3() throws Exception {
        assertThat(run("verify", dir.resolve("missing.json").toString())).isEqualTo(Main.USAGE);
        Path junk = dir.resolve("junk.json");
        Files.writeString(junk, "{not json");
        assertThat(run("verify", junk.toString())).isEqualTo(Main.USAGE);
        Path inputs = dir.resolve("in.json");
        Files.writeString(inputs, "[]");
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThat(run("infer", "--node", "http://127.0.0.1:" + port, "--model", "m", "--input", inputs.toString()))
                .isEqualTo(Main.UNREACHABLE);
    }

    @Test
    void node_register_stakes_the_node_key_once() throws Exception {
        Path home = dir.resolve("op");
        Files.createDirectories(home);
        var account = devnet.account(3);
        Files.writeString(home.resolve("node.key"), account.privateKeyHex() + "\n");
        String[] args = {"node", "register", "--home", home.toString(), "--deployment",
            devnet.deploymentFile().toString(), "--endpoint", "http://127.0.0.1:7999", "--price-wei", "5"};
        assertThat(run(args)).isEqualTo(0);
        try (var chain = io.verity.chain.contracts.ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            assertThat(chain.nodes().isStaked(account.address())).isTrue();
            var stake = chain.nodes().stakeOf(account.address());
            assertThat(run(args)).isEqualTo(0); // idempotent: nothing staked twice
            assertThat(chain.nodes().stakeOf(account.address())).isEqualTo(stake);
            assertThat(chain.nodes().node(account.address()).orElseThrow().endpoint()).isEqualTo("http://127.0.0.1:7999");
        }
    }

    @Test
    void node_start_parses_through_NodeMain_so_proxy_and_token_price_flags_are_checked_by_name() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        String home = dir.resolve("proxy").toString();
        try {
            assertThat(run("node", "start", "--home", home, "--port", "0", "--upstream-model", "gpt-x")).isEqualTo(2);
            assertThat(run("node", "start", "--home", home, "--port", "0", "--price-per-input-token-wei", "3")).isEqualTo(2);
            assertThat(run("node", "start", "--home", home, "--port", "0", "--engine", "gpu")).isEqualTo(2);
            assertThat(run("node", "start", "--home", home, "--port", "0", "--upstream-url", "http://127.0.0.1:9/v1",
                    "--upstream-model", "gpt-x", "--upstream-key-env", "VERITY_TEST_SURELY_UNSET_KEY")).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("--upstream-key-env/-file and --upstream-model need --upstream-url")
                .contains("--price-per-input-token-wei and --price-per-output-token-wei go together")
                .contains("--engine: engine must be one of det, onnxruntime, got 'gpu'")
                .contains("--upstream-key-env: environment variable VERITY_TEST_SURELY_UNSET_KEY is not set");
    }

    @Test
    void gateway_start_parses_through_GatewayMain_and_names_an_unreadable_tee_policy() throws Exception {
        Path deployment = Files.writeString(dir.resolve("deployment.json"), "{}");
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(run("gateway", "start", "--home", dir.resolve("gw").toString(), "--deployment", deployment.toString(),
                    "--port", "0", "--tee-policy", dir.resolve("missing.json").toString())).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("--tee-policy " + dir.resolve("missing.json") + " cannot be read");
    }

    /** Captures stdout of one command. */
    static String output(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            run(args);
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void verify_prints_the_signers_attestation_none_offline_and_the_verdict_on_its_registered_evidence() throws Exception {
        Path n1 = io.verity.testing.TestPaths.attestationVectors().resolve("nitro/opengradient-og-evm-2026-02-12.b64");
        Path home = dir.resolve("tee-node");
        var vad = RealModels.sileroVadV5();
        new ModelHub(home.resolve("models")).add(vad.file(), "silero-vad", "5", vad.license(), vad.source());
        NodeConfig config = NodeConfig.defaults(home).withChainSettings(io.verity.node.settle.ChainSettings
                .of(devnet.deploymentFile()).withAccountKey(devnet.account(2).privateKeyHex()))
                .withAttestation(io.verity.node.NodeEvidence.read(n1, List.of()));
        try (InferenceNode node = InferenceNode.start(config);
                var chain = io.verity.chain.contracts.ChainClients.connect(devnet.deployment(), devnet.account(0))) {
            // the node registers and attests from its batcher thread
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> chain.nodes().attestation(node.address()).isPresent());
            Path inputs = dir.resolve("inputs.json");
            Files.writeString(inputs, "{\"inputs\":[{\"name\":\"input\",\"dtype\":\"float32\",\"shape\":[1,512],\"b64\":\""
                    + java.util.Base64.getEncoder().encodeToString(new byte[512 * 4]) + "\"},{\"name\":\"state\",\"dtype\":"
                    + "\"float32\",\"shape\":[2,1,128],\"b64\":\"" + java.util.Base64.getEncoder().encodeToString(new byte[256 * 4])
                    + "\"},{\"name\":\"sr\",\"dtype\":\"int64\",\"shape\":[],\"data\":[16000]}]}");
            Path out = dir.resolve("tee-response.json");
            assertThat(run("infer", "--node", node.url().toString(), "--model", "silero-vad", "--input", inputs.toString(),
                    "--out", out.toString())).isEqualTo(0);
            String digest = io.verity.protocol.Keccak256.hash(Files.readAllBytes(n1)).toString();

            assertThat(output("verify", out.toString(), "--offline")).contains("  attestation " + digest
                    + " (evidence not checked offline; without --offline it is fetched and verified)\n");
            // N1's certificates expired hours after 2026-02-12, so verified now it fails at the chain: honest.
            assertThat(output("verify", out.toString(), "--deployment", devnet.deploymentFile().toString()))
                    .contains("  attestation nitro evidence " + digest + " rejected at cert-chain: ");
        }
    }
}
