package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node process is killed with SIGKILL while clients hammer it. Every receipt any client received must be
 * served by the node after restart: the node answers only after its receipt log has synced.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptDurabilityIT {
    @TempDir Path home;

    record Running(Process process, URI url) {}

    Running startNodeProcess() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), NodeMain.class.getName(),
                "--home", home.toString(), "--port", "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) return new Running(p, URI.create(line.split(" ")[1]));
        }
        throw new IllegalStateException("node process exited with " + p.waitFor() + " before it was ready");
    }

    @Test
    void every_receipt_a_client_received_survives_a_kill_9() throws Exception {
        NodeFixture.installVad(home);
        Running node = startNodeProcess();
        Map<Keccak256, String> received = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> unexpected = new ArrayList<>();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                ExecutorService clients = Executors.newFixedThreadPool(8)) {
            for (int c = 0; c < 8; c++) {
                clients.submit(() -> {
                    while (!stop.get()) {
                        try {
                            var r = NodeFixture.post(http, node.url(), "/v1/infer", NodeFixture.vadRequest(null), "application/json");
                            if (r.status() == 200) {
                                JsonNode receipt = r.body().get("receipt");
                                received.put(Keccak256.parse(receipt.get("id").asText()), receipt.toString());
                            }
                        } catch (java.io.IOException e) {
                            // the node is gone: expected once it is killed
                        } catch (Exception e) {
                            synchronized (unexpected) {
                                unexpected.add(e);
                            }
                        }
                    }
                    return null;
                });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.size() < 300 && System.nanoTime() < deadline) Thread.sleep(10);
            node.process().destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush
            node.process().waitFor();
            stop.set(true);
        }
        assertThat(unexpected).isEmpty();
        assertThat(received).hasSizeGreaterThanOrEqualTo(300);

        Running restarted = startNodeProcess();
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (var e : received.entrySet()) {
                var r = NodeFixture.get(http, restarted.url(), "/v1/receipts/" + e.getKey());
                assertThat(r.status()).as("receipt %s after restart", e.getKey()).isEqualTo(200);
                var stored = ReceiptJson.read(r.body(), "");
                assertThat(stored.id()).isEqualTo(e.getKey());
                assertThat(stored.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
            }
        } finally {
            restarted.process().destroy();
            restarted.process().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
