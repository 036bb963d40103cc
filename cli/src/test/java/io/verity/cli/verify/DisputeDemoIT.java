package io.verity.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.devnet.Devnet;
import io.verity.cli.Homes;
import io.verity.cli.Main;
import io.verity.cli.up.NetworkFile;
import io.verity.cli.up.UpNetworkIT;
import io.verity.protocol.EvmAddress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verity dispute demo}: a dishonest det node is challenged, bisected and slashed on its own local chain; and
 * what it says when the {@code verity up} network it would join cannot host it (UpDetachIT plays it on one).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DisputeDemoIT {
    @TempDir Path dir;

    @Test
    void the_demo_slashes_the_dishonest_node_and_exits_0() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = Main.commandLine().execute("dispute", "demo", "--own-chain", "--dir", dir.toString());
        } finally {
            System.setOut(out);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertThat(code).as(text).isZero();
        assertThat(text).contains("round  1: node revealed chain(")
                .containsPattern("node 1 .* verity-det/3  DISHONEST") // nodes sign the default contract; the challenger re-runs it
                .containsPattern("disputed entry \\d+: Constant output")
                .contains("resolved: committee: node wrong, slashed 0.5 ETH")
                .contains("node 1 stake: 1 ETH -> 0.5 ETH")
                .containsPattern("CHALLENGER_WON after (\\d|1[0-2]) rounds");
        assertThat(text.lines().filter(l -> l.contains(": node wrong") && l.contains("vote ")).count()).isEqualTo(3);
    }

    /**
     * A home whose network.json names a live supervisor (this JVM) and a chain: an anvil of this test's, then
     * the same after anvil stopped.
     */
    @Test
    void on_a_network_whose_accounts_lack_funds_or_whose_chain_is_down_it_says_so_and_sends_nothing() throws Exception {
        Path home = dir.resolve("home");
        String rpc;
        try (Devnet devnet = Devnet.builder().start()) {
            rpc = devnet.rpcUrl();
            devnet.deployment().write(Homes.deploymentIn(home));
            new NetworkFile(NetworkFile.Proc.of(ProcessHandle.current()), "ready", "passed", null,
                    List.of(new NetworkFile.Component("chain", null, rpc, null, null))).write(home);
            // the keys the demo uses on up's chain are anvil's dev accounts 5..9
            for (int i = 0; i < DisputeCommand.Demo.UP_DEMO_KEYS.size(); i++) {
                assertThat(ChainAccount.fromPrivateKey(DisputeCommand.Demo.UP_DEMO_KEYS.get(i)).address())
                        .isEqualTo(devnet.account(DisputeCommand.Demo.FIRST_UP_DEMO_ACCOUNT + i).address());
            }
            // one demo at a time per network (this JVM holding the lock stands for another demo)
            try (FileChannel ch = FileChannel.open(home.resolve(DisputeCommand.Demo.LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock held = ch.lock()) {
                UpNetworkIT.Result busy = UpNetworkIT.run("dispute", "demo", "--home", home.toString());
                assertThat(busy.code()).isEqualTo(Main.CHECK_FAILED);
                assertThat(busy.out()).contains("another `verity dispute demo` is playing on the network in " + home.toAbsolutePath());
            }
            EvmAddress poor = devnet.account(DisputeCommand.Demo.FIRST_UP_DEMO_ACCOUNT + 2).address();
            setBalance(rpc, poor, "0x2386f26fc10000"); // 0.01 ETH
            UpNetworkIT.Result r = UpNetworkIT.run("dispute", "demo", "--home", home.toString());
            assertThat(r.code()).as(r.out()).isEqualTo(Main.CHECK_FAILED);
            assertThat(r.out()).contains("verity: insufficient funds: node 3 " + poor + " holds 0.01 ETH, needs 1.05 ETH (stake + gas)");
            try (ChainConnection c = ChainConnection.open(rpc, ChainAccount.READ_ONLY)) {
                assertThat(new NodeRegistryClient(c, devnet.deployment().nodeRegistry()).nodeCount()).isZero(); // nothing was sent
            }
        }
        UpNetworkIT.Result down = UpNetworkIT.run("dispute", "demo", "--home", home.toString());
        assertThat(down.code()).as(down.out()).isEqualTo(Main.UNREACHABLE);
        assertThat(down.out()).contains("verity: the chain of the network in " + home.toAbsolutePath() + " does not answer")
                .contains(rpc).contains("--own-chain");
    }

    private static void setBalance(String rpc, EvmAddress who, String weiHex) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"anvil_setBalance\",\"params\":[\"" + who + "\",\"" + weiHex + "\"]}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(rpc)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).doesNotContain("error");
        }
    }

    @Test
    void own_chain_and_up_together_are_a_usage_error() {
        assertThat(Main.commandLine().execute("dispute", "demo", "--own-chain", "--up")).isEqualTo(Main.USAGE);
    }

    @Test
    void a_size_that_is_not_a_multiple_of_32_is_a_usage_error() {
        assertThat(Main.commandLine().execute("dispute", "demo", "--size", "50")).isEqualTo(Main.USAGE);
    }
}
