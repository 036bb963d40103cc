package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.fixture.LocalChain;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.serve.NodeIdentity;
import io.verity.testing.ConfigFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A node process started from a config file announces its {@code public-url} on chain, not the address it binds. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeConfigFileIT {
    @RegisterExtension
    static final LocalChain chain = LocalChain.perClass();

    @Test
    void a_node_started_with_a_config_file_registers_its_public_url(@TempDir Path dir) throws Exception {
        String publicUrl = "https://node-7.example.com/verity";
        Path config = ConfigFiles.write(dir.resolve("node.conf"), "--home", dir.resolve("home").toString(), "--host", "127.0.0.1",
                "--port", "0", "--deployment", chain.deploymentFile().toString(), "--public-url", publicUrl);
        // the key comes from the environment, as for a service; nothing but --config on the command line
        NodeProcess node = NodeProcess.start(Map.of(NodeIdentity.ENV, chain.account(7).privateKeyHex()), "--config", config.toString());
        try (ChainConnection c = chain.connect(0); HttpClient http = HttpClient.newHttpClient()) {
            assertThat(node.url().getHost()).isEqualTo("127.0.0.1"); // bound on loopback...
            NodeRegistryClient registry = new NodeRegistryClient(c, chain.deployment().nodeRegistry());
            NodeInfo info = await("registered").atMost(StakedNodes.REGISTRATION_TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> registry.node(node.address()), Optional::isPresent).orElseThrow();
            assertThat(info.endpoint()).isEqualTo(publicUrl); // ...announced at its public URL
            assertThat(info.active()).isTrue();
            var health = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            node.process().destroy();
            node.process().waitFor();
        }
    }

    @Test
    void a_bad_config_file_line_stops_the_process_with_exit_2_and_one_line_naming_it(@TempDir Path dir) throws Exception {
        Path config = java.nio.file.Files.writeString(dir.resolve("node.conf"), "home = " + dir + "\nprize-wei = 5\n");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), NodeMain.class.getName(), "--config", config.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(stderr.lines().findFirst()).contains("NodeMain: " + config + ":2: prize-wei: unknown key (not a flag of this command)");
        assertThat(stderr).doesNotContain("Exception");
    }
}
