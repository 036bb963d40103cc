package io.verity.cli.up;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.cli.CliEndToEndIT;
import io.verity.cli.Main;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.wire.ReadyLine;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verity up} as a network of real processes: anvil, three node JVMs ({@code NodeMain}) and the gateway
 * JVM, on free ports in a temp home; the demo's redundant:2 request goes through the gateway via the SDK.
 * {@code --detach} is {@link UpDetachIT}'s.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public class UpNetworkIT {
    @TempDir Path dir;
    private final List<ProcessHandle> started = new ArrayList<>();

    public record Result(int code, String out) {}

    /** Runs the CLI in this JVM, echoing and capturing what it prints. */
    public static Result run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(tee(out, captured), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(err, captured), true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().execute(args);
            return new Result(code, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static OutputStream tee(PrintStream a, ByteArrayOutputStream b) {
        return new OutputStream() {
            @Override
            public void write(int x) {
                write(new byte[] {(byte) x}, 0, 1);
            }

            @Override
            public void write(byte[] buf, int off, int len) {
                synchronized (b) {
                    b.write(buf, off, len);
                }
                a.write(buf, off, len);
            }
        };
    }

    /** Whatever a failed assertion left running is stopped, so one failure does not leak into the next test. */
    @AfterEach
    void stopLeftovers() {
        stopAll(started);
    }

    /** Kills each process and its children; the ITs that run {@code verity up} call it after each test. */
    public static void stopAll(List<ProcessHandle> started) {
        for (ProcessHandle p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void up_exit_runs_three_node_processes_on_a_chain_and_the_redundant_demo_passes() throws Exception {
        Path home = dir.resolve("home");
        // the JVM's shared test chain (LocalChain), when an earlier class started it, is not up's to stop
        Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
        Result up = run("up", "--home", home.toString(), "--port", "0", "--exit");
        assertThat(up.code()).as(up.out()).isEqualTo(0);

        // three separate node JVMs, each announced READY with its own key
        Set<String> addresses = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            List<ReadyLine> ready = Files.readAllLines(home.resolve("logs/node-" + i + ".log")).stream()
                    .flatMap(l -> ReadyLine.parse(l).stream()).toList();
            assertThat(ready).as("node-%d's log", i).hasSize(1);
            addresses.add(ready.getFirst().address().orElseThrow().toString());
        }
        assertThat(addresses).hasSize(3);
        assertThat(up.out()).contains("demo: passed").doesNotContain("FAIL").contains("agreed (2 of 2 agreed");
        assertThat(Files.readString(home.resolve("logs/gateway.log"))).contains("READY ");
        assertThat(up.out()).contains("Demo: POST http://127.0.0.1:").contains("/v1/infer  model=silero-vad  policy=redundant:2")
                .contains("SDK: answer accepted (2 receipts")
                // issue 17: one OpenAI embeddings call, its two receipts checked against the vectors
                .contains("/v1/embeddings  model=all-MiniLM-L6-v2  policy=redundant:2").contains("3 vectors of 384 dimensions");
        assertThat(up.out().lines().filter(l -> l.matches("\\s+ok\\s+receipt node-\\d .*= the vectors' digest"))).hasSize(2);
        assertThat(CliEndToEndIT.run("verify", "--transcript", home.resolve("demo/embeddings.json").toString(), "--offline"))
                .as("the saved embeddings exchange verifies").isEqualTo(0);
        JsonNode exchange = Main.JSON.readTree(home.resolve("demo/embeddings.json").toFile());
        var first = (com.fasterxml.jackson.databind.node.ArrayNode) exchange.at("/response/data/0/embedding");
        first.set(0, first.get(0).asDouble() + 1e-3); // one coordinate nudged: the signed outputs digest no longer holds
        Path tampered = dir.resolve("tampered-embeddings.json");
        Main.JSON.writeValue(tampered.toFile(), exchange);
        assertThat(CliEndToEndIT.run("verify", "--transcript", tampered.toString(), "--offline")).isEqualTo(Main.CHECK_FAILED);
        // both paid nodes hold the voucher and redeemed it on chain, as the node and the Payments contract say
        assertThat(up.out().lines().filter(l -> l.matches("\\s+ok\\s+voucher node-\\d .*holds cumulative \\d+ wei, redeemed \\d+"
                + " \\(Payments.redeemed \\d+\\)"))).hasSize(2);
        assertThat(up.out()).doesNotContain("Try:"); // --exit: nothing left to try
        assertThat(up.out()).contains("silero-vad     registered in ModelRegistry, comparison rule tolerance:abs=1.0E-5,rel=1.0E-4")
                .contains("tiny-llama     registered in ModelRegistry, comparison rule none");

        // two receipts from two different nodes, each saved in a node's answer shape that `verify` reads
        JsonNode r1 = Main.JSON.readTree(home.resolve("demo/response-1.json").toFile());
        JsonNode r2 = Main.JSON.readTree(home.resolve("demo/response-2.json").toFile());
        assertThat(r1.at("/receipt/node").asText()).isNotEqualTo(r2.at("/receipt/node").asText()).isIn(addresses);
        assertThat(r1.at("/receipt/requestId")).isEqualTo(r2.at("/receipt/requestId"));
        assertThat(Files.readString(home.resolve("demo/response.json"))).isEqualTo(Files.readString(home.resolve("demo/response-1.json")));
        Path inputs = home.resolve("demo/inputs.json");
        for (String f : List.of("response-1.json", "response-2.json")) {
            assertThat(CliEndToEndIT.run("verify", home.resolve("demo/" + f).toString(), "--inputs", inputs.toString(),
                    "--offline")).as(f).isEqualTo(0);
        }

        for (int i = 1; i <= 3; i++) {
            assertThat(new ModelHub(home.resolve("nodes/n" + i + "/models")).list()).extracting(m -> m.name())
                    .contains("silero-vad", "paddleocr-cls", "paddleocr-det", "paddleocr-rec", "tiny-llama", "all-MiniLM-L6-v2");
        }
        // the chain stopped with the network: asking it is "unreachable"
        assertThat(CliEndToEndIT.run("verify", home.resolve("demo/response.json").toString(), "--home", home.toString()))
                .isEqualTo(Main.UNREACHABLE);

        // --exit stopped everything it started and removed its record
        assertThat(home.resolve(NetworkFile.NAME)).doesNotExist();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).filter(p -> !before.contains(p.pid()))
                .map(p -> p.info().commandLine()
                .orElse("?")).filter(c -> c.contains("io.verity") || c.contains("anvil")).toList()).isEmpty();
    }
}
