package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.node.fixture.StakedNodes;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import java.net.http.HttpClient;
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

    NodeProcess startNodeProcess() throws Exception {
        return NodeProcess.start(Map.of(), "--home", home.toString(), "--port", "0");
    }

    @Test
    void every_receipt_a_client_received_survives_a_kill_9() throws Exception {
        StakedNodes.installVad(home);
        NodeProcess node = startNodeProcess();
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

        NodeProcess restarted = startNodeProcess();
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
