package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.fixture.LocalChain;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.wire.ReadyLine;
import io.verity.testing.RealModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as an operator uses it (docs/operate.md): built by the same script as {@code ./verity
 * dist} ({@code tools/dist/dist.sh}, from the jars this build packaged; the first build in a clean clone links the
 * runtime, later ones reuse it), unpacked in a temp dir and run with an emptied environment whose PATH holds only
 * the three tools the launcher calls, so no java, mvn, npm or anvil can be found. It deploys the contracts from the
 * jars' artifacts, makes keystores, starts a node from a config file that registers at its public URL, stakes and
 * serves a receipt that verifies, a gateway from a config file that routes to it, and an explorer that shows it.
 *
 * <p>Building the archive here rather than in the launcher keeps {@code ./verity test} one Maven run: the first build in
 * a clean clone runs jdeps over the ~160 jars and jlink (a minute or two); later builds reuse both (the jdeps results
 * and the runtime are cached in {@code cli/target/dist}) and only repack the jars.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DistIT {
    @RegisterExtension static final LocalChain chain = LocalChain.perClass();
    @TempDir static Path dir;
    private static Path verity;
    private static Path tools;

    @BeforeAll
    static void build_and_unpack() throws Exception {
        Path archive = DistArchive.build();
        assertThat(archive.getFileName().toString()).matches("verity-.*-linux-.*\\.tar\\.gz");
        // nothing changed: the same archive, not rewritten
        var built = Files.getLastModifiedTime(archive);
        assertThat(DistArchive.build()).isEqualTo(archive);
        assertThat(Files.getLastModifiedTime(archive)).isEqualTo(built);
        verity = DistArchive.unpack(archive, Files.createDirectories(dir.resolve("opt")));
        // The launcher's only commands beyond the shell's builtins; nothing else is on PATH.
        tools = Files.createDirectories(dir.resolve("path"));
        for (String tool : List.of("readlink", "dirname", "sed")) {
            Files.copy(Path.of("/usr/bin", tool), tools.resolve(tool), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    @Test
    void keys_new_writes_a_keystore_from_the_archive_alone() throws Exception {
        Path pw = Files.writeString(dir.resolve("keys.pw"), "correct horse\n");
        String address = archive(List.of("keys", "new", "--keystore", dir.resolve("op.json").toString(), "--password-file",
                pw.toString()), Map.of());
        assertThat(EvmAddress.parse(address.strip())).isNotNull();
        assertThat(archive(List.of("keys", "show", "--keystore", dir.resolve("op.json").toString(), "--password-file",
                pw.toString()), Map.of())).contains(address.strip());
    }

    @Test
    void a_node_from_the_archive_with_a_config_file_registers_on_a_chain_it_deployed_and_serves_a_verified_receipt()
            throws Exception {
        // chain deploy: the contract artifacts come from the jars (no solc, no tools/node)
        Path deployment = Files.createDirectories(dir.resolve("network")).resolve("deployment.json");
        archive(List.of("chain", "deploy", "--rpc", chain.rpcUrl(), "--key-env", "DEPLOYER_KEY", "--deployment",
                deployment.toString()), Map.of("DEPLOYER_KEY", chain.account(9).privateKeyHex()));
        Deployment d = Deployment.read(deployment);
        assertThat(d.nodeRegistry()).isNotEqualTo(chain.deployment().nodeRegistry());

        // the node's key: a new keystore, funded for its stake and gas; --scrypt LIGHT (hidden, for throwaway keys), as the
        // standard cost, paid again when the node unlocks it, is seconds of CPU (the test above makes and opens a standard one)
        Path pw = Files.writeString(dir.resolve("node.pw"), "node password\n");
        Path keystore = dir.resolve("node.json");
        EvmAddress node = EvmAddress.parse(archive(List.of("keys", "new", "--keystore", keystore.toString(),
                "--password-file", pw.toString(), "--scrypt", "LIGHT"), Map.of()).strip());
        DistArchive.fund(chain.rpcUrl(), java.math.BigInteger.TEN.pow(20), node); // 100 ether

        Path home = dir.resolve("node-home");
        var vad = RealModels.sileroVadV5();
        ModelHub hub = new ModelHub(home.resolve("models"));
        hub.add(vad.file(), "silero-vad", "5", vad.license(), vad.source());
        Path gguf = dir.resolve("tiny-llama.gguf");
        io.verity.llm.gguf.TinyLlama.write(gguf, 7);
        hub.add(gguf, "tiny-llama", "1", "Apache-2.0", "generated by TinyLlama, seed 7");
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String publicUrl = "http://localhost:" + port; // announced: another name than the address it binds
        Path conf = Files.writeString(dir.resolve("node.conf"), String.join("\n",
                "# as docs/operate.md writes it", "home = " + home, "host = 127.0.0.1", "port = " + port,
                "deployment = " + deployment, "public-url = " + publicUrl, "keystore = " + keystore,
                "password-file = " + pw, "price-wei = 0", "engine = onnxruntime", "batch-age-ms = 200", ""));

        Process p = start(List.of("node", "start", "--config", conf.toString()), dir.resolve("node.log"));
        Process gw = null;
        Process explorer = null;
        try {
            URI url = ready(p, "node.log");
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.resolve("/v1/infer"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"silero-vad\",\"inputs\":" + sileroInputs() + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            Path response = Files.writeString(dir.resolve("response.json"), answer.body());
            assertThat(Main.commandLine().execute("verify", response.toString(), "--offline")).isEqualTo(0);
            assertThat(answer.body().toLowerCase()).contains(node.toString().toLowerCase()); // signed by the keystore's key
            // a language model: llama.cpp in a worker JVM the node starts from the archive's runtime
            HttpResponse<String> chat = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.resolve("/v1/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny-llama\","
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4,\"seed\":1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(chat.body()).contains("\"verity\"").contains("\"receipt\"");

            try (var clients = ChainClients.connect(d, ChainAccount.READ_ONLY)) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> clients.nodes().node(node).filter(n -> n.active()).isPresent());
                var registered = clients.nodes().node(node).orElseThrow();
                assertThat(registered.endpoint()).isEqualTo(publicUrl); // announced, not the loopback it binds
                assertThat(registered.stake()).isGreaterThanOrEqualTo(clients.nodes().minStake());
            }

            // a gateway from the archive (its own config file, the --tx-* keys included) finds the node at its
            // announced URL in NodeRegistry and routes to it
            Path gwConf = Files.writeString(dir.resolve("gateway.conf"), String.join("\n", "home = " + dir.resolve("gw-home"),
                    "host = 127.0.0.1", "port = 0", "deployment = " + deployment, "refresh-ms = 500", "tx-confirmations = 2", ""));
            gw = start(List.of("gateway", "start", "--config", gwConf.toString()), dir.resolve("gateway.log"));
            URI gateway = ready(gw, "gateway.log");
            var http = HttpClient.newHttpClient();
            HttpRequest viaGateway = HttpRequest.newBuilder(gateway.resolve("/v1/infer")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"silero-vad\",\"inputs\":" + sileroInputs() + "}")).build();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                    .until(() -> http.send(viaGateway, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            assertThat(http.send(viaGateway, HttpResponse.BodyHandlers.ofString()).body().toLowerCase())
                    .contains(node.toString().toLowerCase());

            // the explorer from the archive indexes the registration into its embedded database and shows it
            Path exConf = Files.writeString(dir.resolve("explorer.conf"), String.join("\n", "home = " + dir.resolve("ex-home"),
                    "host = 127.0.0.1", "port = 0", "deployment = " + deployment, "poll-ms = 200", ""));
            explorer = start(List.of("explorer", "--config", exConf.toString()), dir.resolve("explorer.log"));
            HttpRequest nodePage = HttpRequest.newBuilder(ready(explorer, "explorer.log").resolve("/nodes/" + node)).build();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                var page = http.send(nodePage, HttpResponse.BodyHandlers.ofString());
                return page.statusCode() == 200 && page.body().contains(publicUrl);
            });
        } finally {
            for (Process proc : java.util.stream.Stream.of(explorer, gw, p).filter(java.util.Objects::nonNull).toList()) {
                proc.destroy(); // SIGTERM: the shutdown hook closes it
                if (!proc.waitFor(20, TimeUnit.SECONDS)) proc.destroyForcibly();
            }
        }
    }

    /** The archive's launcher with an emptied environment: PATH, HOME and {@code env} only. */
    private static String archive(List<String> args, Map<String, String> env) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(verity.toString()));
        cmd.addAll(args);
        return DistArchive.run(cmd, withBareEnv(env), dir, 180);
    }

    private static Map<String, String> withBareEnv(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("PATH", tools.toString());
        all.put("HOME", dir.toString());
        return all;
    }

    /**
     * A service of the archive, with the bare environment and the launcher's VERITY_JAVA_OPTS set to C1 alone, as
     * {@link OperatorJourneyIT}'s: a service that lives seconds spends more CPU on C2 than it saves.
     */
    private static Process start(List<String> args, Path log) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(verity.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(withBareEnv(Map.of("VERITY_JAVA_OPTS", OperatorJourneyIT.JAVA_OPTS)));
        return pb.start();
    }

    /** The URL of the READY line the process prints once it serves. */
    private static URI ready(Process p, String log) throws Exception {
        var reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<URI> url = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = reader.readLine()) != null; ) {
                    var ready = ReadyLine.parse(line);
                    if (ready.isPresent()) return ready.get().url();
                }
                throw new IllegalStateException("the process exited before READY, exit " + p.waitFor() + "; see "
                        + dir.resolve(log) + ":\n" + Files.readString(dir.resolve(log)));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        return url.get(90, TimeUnit.SECONDS);
    }

    /** Silero VAD v5's inputs: one 512-sample frame of silence, its state and the sample rate. */
    private static String sileroInputs() {
        return "[{\"name\":\"input\",\"dtype\":\"float32\",\"shape\":[1,512],\"b64\":\""
                + java.util.Base64.getEncoder().encodeToString(new byte[512 * 4]) + "\"},{\"name\":\"state\",\"dtype\":"
                + "\"float32\",\"shape\":[2,1,128],\"b64\":\"" + java.util.Base64.getEncoder().encodeToString(new byte[256 * 4])
                + "\"},{\"name\":\"sr\",\"dtype\":\"int64\",\"shape\":[],\"data\":[16000]}]";
    }
}
