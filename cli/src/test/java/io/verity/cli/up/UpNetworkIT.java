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

    @Test
    void up_detach_then_down_leaves_no_process_behind_and_a_second_up_refuses() throws Exception {
        Path home = dir.resolve("home");
        Result up = run("up", "--home", home.toString(), "--port", "0", "--detach");
        assertThat(up.code()).as(up.out()).isEqualTo(0);
        assertThat(up.out()).contains("Network up; the demo passed").contains("node-1").contains("node-3").contains("chain");

        NetworkFile nf = NetworkFile.read(home).orElseThrow();
        assertThat(nf.state()).isEqualTo("ready");
        List<ProcessHandle> recorded = new ArrayList<>();
        for (NetworkFile.Proc p : nf.processes()) recorded.add(p.handle().orElseThrow(() -> new AssertionError(p + " is not alive")));
        started.addAll(recorded);
        List<ProcessHandle> all = new ArrayList<>(recorded);
        recorded.getFirst().descendants().forEach(all::add); // the anvil binary under its npm launcher, too
        assertThat(nf.components()).extracting(NetworkFile.Component::name)
                .containsAll(List.of("chain", "node-1", "node-2", "node-3", "gateway", "explorer"));
        assertThat(recorded).hasSizeGreaterThanOrEqualTo(7); // supervisor, chain, 3 nodes, gateway, explorer
        NetworkFile.Component node1 = nf.components().stream().filter(c -> c.name().equals("node-1")).findFirst().orElseThrow();
        // ProcessHandle.Info cuts a long command line short (the class path comes first); /proc has all of it
        String cmdline = Files.readString(Path.of("/proc/" + node1.proc().pid() + "/cmdline")).replace('\0', ' ');
        assertThat(cmdline).contains(" " + Network.NODE_MAIN + " --home ");
        // Issue 13: no secret on any command line (every user of the machine reads them): the gateway's paying
        // client key and the nodes' keys travel in the environment. A private key is an argument of 32 bytes of
        // hex (or a flag=value); a model digest inside a path is not one.
        for (ProcessHandle p : all) {
            Path proc = Path.of("/proc/" + p.pid() + "/cmdline");
            if (!Files.exists(proc)) continue;
            String line = " " + Files.readString(proc).replace('\0', ' ') + " ";
            assertThat(line).as("command line of pid %d", p.pid()).doesNotContainPattern("[ =](0x)?[0-9a-fA-F]{64} ")
                    .doesNotContain("--client-key ").doesNotContain("--upstream-key ");
        }

        // the Try block works as printed: infer through the gateway, then verify its answer with every receipt
        String gateway = nf.gateway();
        Path inputs = home.resolve("demo/inputs.json");
        assertThat(up.out()).contains("Try:", "curl " + gateway + "/v1/nodes", "curl " + gateway + "/v1/models",
                "./verity infer --gateway " + gateway + " --model silero-vad --input " + inputs + " --policy redundant:2 --out r.json",
                "./verity verify r.json --inputs " + inputs + " --home " + home.toAbsolutePath(),
                "./verity down --home " + home.toAbsolutePath());
        Path r = dir.resolve("r.json");
        assertThat(CliEndToEndIT.run("infer", "--gateway", gateway, "--model", "silero-vad", "--input", inputs.toString(),
                "--policy", "redundant:2", "--out", r.toString())).isEqualTo(0);
        assertThat(Main.JSON.readTree(r.toFile()).path("receipts").size()).isEqualTo(2);
        assertThat(CliEndToEndIT.run("verify", r.toString(), "--inputs", inputs.toString(), "--offline")).isEqualTo(0);
        // on chain too, once both nodes committed their batch (batch age 2 s); a minute is ample
        int onChain = 1;
        for (int i = 0; i < 60 && onChain != 0; i++) {
            onChain = CliEndToEndIT.run("verify", r.toString(), "--inputs", inputs.toString(), "--home", home.toString());
            if (onChain != 0) Thread.sleep(1000);
        }
        assertThat(onChain).isEqualTo(0);

        // the explorer runs as its own process, is printed, and shows the live network: 3 nodes, the settled receipts
        NetworkFile.Component explorer = nf.components().stream().filter(c -> c.name().equals("explorer")).findFirst().orElseThrow();
        assertThat(up.out()).contains("Explorer: " + explorer.url());
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        int settled = 0;
        for (int i = 0; i < 60 && settled < 4; i++) { // the demo's 2 receipts and the Try request's 2
            var status = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(explorer.url() + "/api/status")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            settled = Main.JSON.readTree(status.body()).path("receipts").asInt();
            if (settled < 4) Thread.sleep(500);
        }
        assertThat(settled).isGreaterThanOrEqualTo(4);

        // one-step verification: nothing but the id (the registered nodes are asked for it), or its explorer page
        String id = Main.JSON.readTree(r.toFile()).path("receipts").get(0).path("id").asText();
        Result byId = run("verify", id, "--home", home.toString());
        assertThat(byId.code()).as(byId.out()).isEqualTo(0);
        assertThat(byId.out()).contains("found at the node at http://").containsPattern("ok +node-staked")
                .containsPattern("ok +inclusion +in batch");
        Result byPage = run("verify", explorer.url() + "/receipts/" + id, "--home", home.toString());
        for (int i = 0; i < 60 && byPage.code() != 0; i++) { // until the explorer indexed that batch
            Thread.sleep(500);
            byPage = run("verify", explorer.url() + "/receipts/" + id, "--home", home.toString());
        }
        assertThat(byPage.code()).as(byPage.out()).isEqualTo(0);
        assertThat(byPage.out()).contains("found at the explorer at " + explorer.url());
        Result unknown = run("verify", "0x" + "ab".repeat(32), "--home", home.toString());
        assertThat(unknown.code()).isEqualTo(Main.CHECK_FAILED);
        assertThat(unknown.out()).contains("none of the 3 registered nodes has receipt 0x" + "ab".repeat(32));
        String overview = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(explorer.url() + "/")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        for (int i = 1; i <= 3; i++) {
            String address = nf.components().stream().filter(c -> c.name().startsWith("node-")).toList().get(i - 1).address();
            assertThat(overview).contains(address);
        }

        // the generated GGUF language model answers through the gateway, checked and paid (docs/llm.md)
        assertThat(up.out()).contains("curl " + gateway + "/v1/chat/completions");
        try (var chatHttp = java.net.http.HttpClient.newHttpClient()) {
            var chat = chatHttp.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(UpCommand.CHAT_EXAMPLE)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            JsonNode answer = Main.JSON.readTree(chat.body());
            assertThat(answer.at("/choices/0/message/content").asText()).hasSize(16);
            assertThat(answer.at("/verity/verdict/status").asText()).isEqualTo("single");
            assertThat(answer.at("/verity/payment/amount").asText()).isNotEqualTo("0");
            // receipt v2 (docs/receipts.md): the model asked for, the one that served, the usage
            JsonNode receipt = answer.at("/verity/receipt");
            assertThat(receipt.get("version").asInt()).isEqualTo(2);
            assertThat(receipt.get("requestedModel").asText()).isEqualTo(Main.JSON.readTree(UpCommand.CHAT_EXAMPLE).get("model").asText());
            assertThat(receipt.get("servedModel").asText()).isEqualTo(receipt.get("requestedModel").asText());
            assertThat(receipt.get("completionTokens").asLong()).isEqualTo(answer.at("/usage/completion_tokens").asLong());
        }

        // a second up in the same home says so instead of clashing on ports
        Result again = run("up", "--home", home.toString(), "--port", "0", "--exit");
        assertThat(again.code()).isEqualTo(Main.CHECK_FAILED);
        assertThat(again.out()).contains("a network is already running in " + home.toAbsolutePath())
                .contains("supervisor pid " + nf.supervisor().pid()).contains("verity down --home");

        Result down = run("down", "--home", home.toString());
        assertThat(down.code()).as(down.out()).isEqualTo(0);
        assertThat(down.out()).contains("down.").contains("node-2");
        assertThat(all).allSatisfy(p -> assertThat(p.isAlive()).as("pid %d (%s)", p.pid(), p.info().command().orElse("?")).isFalse());
        assertThat(home.resolve(NetworkFile.NAME)).doesNotExist();

        Result nothing = run("down", "--home", home.toString());
        assertThat(nothing.code()).isEqualTo(0);
        assertThat(nothing.out()).contains("nothing running");
    }
}
