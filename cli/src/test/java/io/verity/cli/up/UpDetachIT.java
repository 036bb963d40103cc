package io.verity.cli.up;

import static io.verity.cli.up.UpNetworkIT.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.cli.CliEndToEndIT;
import io.verity.cli.Main;
import io.verity.cli.up.UpNetworkIT.Result;
import io.verity.cli.verify.DisputeOnUpNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verity up --detach}: the network runs in the background, its Try block works as printed, the dispute demo
 * plays on it ({@link DisputeOnUpNetwork}), a second up in the same home refuses, and {@code verity down} leaves no
 * process behind. A class of its own beside {@link UpNetworkIT} ({@code --exit}), so the two networks start in the
 * two failsafe JVMs at once.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class UpDetachIT {
    @TempDir Path dir;
    private final List<ProcessHandle> started = new ArrayList<>();

    /** Whatever a failed assertion left running is stopped, so one failure does not leak into the next test. */
    @AfterEach
    void stopLeftovers() {
        UpNetworkIT.stopAll(started);
    }

    @Test
    void up_detach_serves_the_try_block_and_the_dispute_demo_refuses_a_second_up_and_down_leaves_no_process_behind() throws Exception {
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
                "./verity dispute demo --home " + home.toAbsolutePath(), "./verity down --home " + home.toAbsolutePath());
        Path r = dir.resolve("r.json");
        assertThat(CliEndToEndIT.run("infer", "--gateway", gateway, "--model", "silero-vad", "--input", inputs.toString(),
                "--policy", "redundant:2", "--out", r.toString())).isEqualTo(0);
        assertThat(Main.JSON.readTree(r.toFile()).path("receipts").size()).isEqualTo(2);
        assertThat(CliEndToEndIT.run("verify", r.toString(), "--inputs", inputs.toString(), "--offline")).isEqualTo(0);
        // on chain too, once both nodes committed their batch (batch age 2 s); a minute is ample
        int onChain = 1;
        for (int i = 0; i < 240 && onChain != 0; i++) {
            onChain = CliEndToEndIT.run("verify", r.toString(), "--inputs", inputs.toString(), "--home", home.toString());
            if (onChain != 0) Thread.sleep(250);
        }
        assertThat(onChain).isEqualTo(0);

        // the explorer runs as its own process, is printed, and shows the live network: 3 nodes, the settled receipts
        NetworkFile.Component explorer = nf.components().stream().filter(c -> c.name().equals("explorer")).findFirst().orElseThrow();
        assertThat(up.out()).contains("Explorer: " + explorer.url());
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        int settled = 0;
        for (int i = 0; i < 120 && settled < 4; i++) { // the demo's 2 receipts and the Try request's 2
            var status = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(explorer.url() + "/api/status")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            settled = Main.JSON.readTree(status.body()).path("receipts").asInt();
            if (settled < 4) Thread.sleep(250);
        }
        assertThat(settled).isGreaterThanOrEqualTo(4);

        // one-step verification: nothing but the id (the registered nodes are asked for it), or its explorer page
        String id = Main.JSON.readTree(r.toFile()).path("receipts").get(0).path("id").asText();
        Result byId = run("verify", id, "--home", home.toString());
        assertThat(byId.code()).as(byId.out()).isEqualTo(0);
        assertThat(byId.out()).contains("found at the node at http://").containsPattern("ok +node-staked")
                .containsPattern("ok +inclusion +in batch");
        Result byPage = run("verify", explorer.url() + "/receipts/" + id, "--home", home.toString());
        for (int i = 0; i < 120 && byPage.code() != 0; i++) { // until the explorer indexed that batch
            Thread.sleep(250);
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

            // the Try block's bill: the demo client's paid answers, this chat among them, reconciled to the wei with
            // the vouchers and the chain once the explorer has indexed the chat's batch
            String payer = nf.components().stream().filter(c -> c.name().equals("gateway")).findFirst().orElseThrow().address();
            assertThat(up.out()).contains("./verity bill --payer " + payer + " --home " + home.toAbsolutePath());
            String chatId = receipt.get("id").asText();
            Result bill = run("bill", "--payer", payer, "--home", home.toString());
            for (int i = 0; i < 240 && (bill.code() != 0 || !bill.out().contains(chatId)); i++) {
                Thread.sleep(250);
                bill = run("bill", "--payer", payer, "--home", home.toString());
            }
            assertThat(bill.code()).as(bill.out()).isEqualTo(0);
            assertThat(bill.out()).contains(chatId, id).doesNotContain("MISMATCH");
        }

        // a second up in the same home says so instead of clashing on ports
        Result again = run("up", "--home", home.toString(), "--port", "0", "--exit");
        assertThat(again.code()).isEqualTo(Main.CHECK_FAILED);
        assertThat(again.out()).contains("a network is already running in " + home.toAbsolutePath())
                .contains("supervisor pid " + nf.supervisor().pid()).contains("verity down --home");

        // issue 5's README flow on this network rather than on a second one: the dispute demo joins it and leaves it as it was
        DisputeOnUpNetwork.joinsSlashesAndLeaves(home, nf, dir);

        Result down = run("down", "--home", home.toString());
        assertThat(down.code()).as(down.out()).isEqualTo(0);
        assertThat(down.out()).contains("down.").contains("node-2");
        assertThat(all).allSatisfy(p -> assertThat(p.isAlive()).as("pid %d (%s)", p.pid(), p.info().command().orElse("?")).isFalse());
        assertThat(home.resolve(NetworkFile.NAME)).doesNotExist();

        Result nothing = run("down", "--home", home.toString());
        assertThat(nothing.code()).isEqualTo(0);
        assertThat(nothing.out()).contains("nothing running");
        DisputeOnUpNetwork.refusedOnceTheNetworkIsDown(home);
    }
}
