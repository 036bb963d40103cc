package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeSettings;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.llm.LlmEngine;
import io.verity.llm.gguf.TinyLlama;
import io.verity.node.InferenceNode;
import io.verity.testing.TestPaths;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The TypeScript SDK (sdk/js) against a live network: sdk/js/live/openai-live.mjs drives the `openai` npm
 * client through the gateway with verifiedFetch (chat, stream, text completion, a tampered answer that must be
 * refused) and checks the receipt's batch proof against Settlement with viem. Its receipts and digests come from the Java
 * node, so this is where the two implementations must agree.
 */
class SdkJsIT {
    static final String MODEL = "tiny-llama";

    /** One node serving a tiny llama.cpp model, committing a batch per receipt; a gateway paying from account 4. */
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(1).withoutVad().clientAccount(4)
            .batching(1, Duration.ofMillis(200))
            .node((i, c) -> c.withPrice(BigInteger.TEN.pow(9)))
            .starter((i, c) -> {
                Path gguf = c.home().resolve("tiny.gguf");
                TinyLlama.write(gguf, 1);
                return InferenceNode.start(c, OnnxRuntimeEngine.create(OnnxRuntimeSettings.defaults()), InstantSource.system(),
                        Map.of(MODEL, LlmEngine.start(gguf, 2, null)));
            })
            .gateway(g -> g.refreshInterval(Duration.ofMillis(500))).build();

    @Test
    void the_typescript_sdk_verifies_live_answers_refuses_a_tampered_one_and_checks_inclusion_on_chain() throws Exception {
        Gateway gateway = net.gateway();
        try (HttpClient http = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> OpenAiClients.get(http, gateway.url(), "/v1/models").toString().contains(MODEL));
        }
        String output = runLive("openai-live.mjs", gateway.url() + "/v1", MODEL, net.chain().rpcUrl(),
                net.chain().deployment().settlement().toString());
        assertThat(output).contains("ok {").contains("\"tamperedCaughtBy\":\"OUTPUTS_DIGEST\"")
                .contains("\"node\":\"" + net.node(1).address() + "\"").contains("\"verifiedAnswers\":3");
    }

    /**
     * Runs {@code sdk/js/live/<script>} with {@code args} (the npm packages linked in, or the test skipped when
     * they are not installed); returns its output once it exited 0 within 90 s.
     */
    static String runLive(String script, String... args) throws Exception {
        return runLive(java.util.Map.of(), script, args);
    }

    /** @param env added to the script's environment (secrets go there, never on its command line) */
    static String runLive(java.util.Map<String, String> env, String script, String... args) throws Exception {
        Path nodeModules = TestPaths.nodeModules();
        Assumptions.assumeTrue(Files.isDirectory(nodeModules.resolve("openai")) && Files.isDirectory(nodeModules.resolve("viem")),
                "npm packages openai and viem are not installed in tools/node: ./verity installs them");
        Path sdk = TestPaths.repoRoot().resolve("sdk/js");
        linkNodeModules(sdk, nodeModules);
        Path out = Files.createTempFile("sdk-js-live", ".out");
        try {
            List<String> command = new ArrayList<>(List.of("node", sdk.resolve("live").resolve(script).toString()));
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            boolean exited = p.waitFor(90, TimeUnit.SECONDS);
            if (!exited) p.destroyForcibly();
            String output = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(exited).as("the live SDK test ended within 90 s:\n" + output).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** sdk/js imports viem and openai by name; ESM resolves them only through a node_modules beside it. */
    static void linkNodeModules(Path sdk, Path nodeModules) throws IOException {
        Path link = sdk.resolve("node_modules");
        if (Files.isSymbolicLink(link) || Files.exists(link)) return;
        Files.createSymbolicLink(link, sdk.relativize(nodeModules));
    }
}
