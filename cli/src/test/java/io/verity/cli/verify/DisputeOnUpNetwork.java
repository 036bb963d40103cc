package io.verity.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainEvent;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.cli.CliEndToEndIT;
import io.verity.cli.Homes;
import io.verity.cli.Main;
import io.verity.cli.up.NetworkFile;
import io.verity.cli.up.UpNetworkIT;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README flow of issue 5 on a running {@code verity up --detach} network: {@code verity dispute demo} joins that
 * network's chain, gets its dishonest node slashed there, shows it in the network's explorer, and leaves the network
 * as it found it (its nodes off the registry, the gateway still answering), twice in a row; once the network is down,
 * {@code --up} says so. {@code UpDetachIT} plays it on the network it started: one network for both flows rather than a
 * second {@code verity up} (five JVMs and a chain) for this one.
 */
public final class DisputeOnUpNetwork {
    static final BigInteger HALF_ETHER = DeployParams.ETHER.divide(BigInteger.TWO);

    private DisputeOnUpNetwork() {}

    /** On the network running in {@code home} ({@code nf} its network.json); {@code dir}: a scratch directory. */
    public static void joinsSlashesAndLeaves(Path home, NetworkFile nf, Path dir) throws Exception {
        String rpc = component(nf, "chain").url();
        String explorer = component(nf, "explorer").url();
        Deployment d = Deployment.read(Homes.deploymentIn(home)).withRpcUrl(rpc);

        UpNetworkIT.Result demo = UpNetworkIT.run("dispute", "demo", "--home", home.toString());
        assertThat(demo.code()).as(demo.out()).isZero();
        assertThat(demo.out()).contains("joining the `verity up` network in " + home.toAbsolutePath() + ": chain " + rpc)
                .contains("dev accounts 5..9").contains("serving " + DisputeCommand.Demo.DEMO_MODEL)
                .contains("trace committed on challenge (served untraced)")
                .containsPattern("node committed its trace: root 0x[0-9a-f]+…, \\d+ entries, the last one its signed outputsDigest")
                .containsPattern("disputed entry \\d+: Constant output")
                .contains("resolved: committee: node wrong, slashed 0.5 ETH")
                .contains("node 1 stake: 1 ETH -> 0.5 ETH")
                .containsPattern("game \\d+: CHALLENGER_WON after (\\d|1[0-2]) rounds, node 1 slashed 0.5 ETH")
                .containsPattern("challenger withdrew 0\\.55\\d* ETH")
                .contains("the demo's nodes stopped and left the registry");
        EvmAddress cheat = ChainAccount.fromPrivateKey(DisputeCommand.Demo.UP_DEMO_KEYS.getFirst()).address();
        assertThat(demo.out()).contains("explorer: " + explorer + "/nodes/" + cheat).containsPattern("explorer: " + Pattern.quote(explorer)
                + "/tx/0x[0-9a-f]{64}");
        // the committee was the demo's three referees, not up's ONNX Runtime nodes (which cannot vote)
        assertThat(demo.out().lines().filter(l -> l.contains("vote ") && l.endsWith(": node wrong")).count()).isEqualTo(3);

        try (ChainConnection reader = ChainConnection.open(rpc, ChainAccount.READ_ONLY)) {
            NodeRegistryClient registry = new NodeRegistryClient(reader, d.nodeRegistry());
            // slashed on up's chain: half of its 1 ETH went, the rest unbonds since it exited
            NodeInfo after = registry.node(cheat).orElseThrow();
            assertThat(after.active()).isFalse();
            assertThat(after.stake().add(after.unbonding())).isEqualTo(HALF_ETHER);
            List<ChainEvent> slashes = reader.events(d.nodeRegistry(), 0).stream().filter(e -> e.name().equals("Slashed")).toList();
            assertThat(slashes).hasSize(1);
            assertThat(slashes.getFirst().<EvmAddress>arg("node")).isEqualTo(cheat);
            assertThat(slashes.getFirst().<BigInteger>arg("amount")).isEqualTo(HALF_ETHER);
            // every demo node left; up's three nodes are staked as before
            for (String key : DisputeCommand.Demo.UP_DEMO_KEYS.subList(0, DisputeCommand.Demo.NODES)) {
                assertThat(registry.isStaked(ChainAccount.fromPrivateKey(key).address())).as(key).isFalse();
            }
            for (NetworkFile.Component n : nf.components().stream().filter(c -> c.name().startsWith("node-")).toList()) {
                assertThat(registry.isStaked(EvmAddress.parse(n.address()))).as(n.name()).isTrue();
            }
        }

        // the network's explorer lists the slash for that node (it indexes NodeRegistry's Slashed event)
        try (HttpClient http = HttpClient.newHttpClient()) {
            JsonNode events = null;
            for (int i = 0; i < 120 && !hasSlash(events); i++) {
                if (i > 0) Thread.sleep(250);
                events = Main.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(explorer + "/api/events?node=" + cheat))
                        .build(), HttpResponse.BodyHandlers.ofString()).body());
            }
            assertThat(hasSlash(events)).as("explorer events of %s: %s", cheat, events).isTrue();
            String page = http.send(HttpRequest.newBuilder(URI.create(explorer + "/nodes/" + cheat)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(page).contains("Slashed");
        }

        // up's gateway drops the demo's nodes from routing at its next registry refresh (it lists them as unregistered),
        // and still serves its models through its own nodes
        List<String> demoNodes = DisputeCommand.Demo.UP_DEMO_KEYS.subList(0, DisputeCommand.Demo.NODES).stream()
                .map(k -> ChainAccount.fromPrivateKey(k).address().toString().toLowerCase()).toList();
        try (HttpClient http = HttpClient.newHttpClient()) {
            List<String> routed = List.of();
            for (int i = 0; i < 40; i++) {
                if (i > 0) Thread.sleep(250);
                JsonNode listed = Main.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(nf.gateway() + "/v1/nodes")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                routed = new ArrayList<>();
                for (JsonNode n : listed.path("nodes")) {
                    if (n.path("registered").asBoolean()) routed.add(n.path("address").asText().toLowerCase());
                }
                if (routed.stream().noneMatch(demoNodes::contains)) break;
            }
            assertThat(routed).hasSize(3).doesNotContainAnyElementsOf(demoNodes);
        }
        Path inputs = home.resolve("demo/inputs.json");
        assertThat(CliEndToEndIT.run("infer", "--gateway", nf.gateway(), "--model", "silero-vad", "--input", inputs.toString(),
                "--policy", "redundant:2", "--out", dir.resolve("after-dispute.json").toString())).isZero();

        // again on the same chain: the exited accounts register anew; the slash now also reaches the 0.5 ETH still
        // unbonding from the first run (slashBps of stake + unbonding), so 0.75 of the fresh 1 ETH goes
        UpNetworkIT.Result again = UpNetworkIT.run("dispute", "demo", "--home", home.toString(), "--up");
        assertThat(again.code()).as(again.out()).isZero();
        Matcher game = Pattern.compile("game (\\d+): CHALLENGER_WON").matcher(again.out());
        assertThat(game.find()).as(again.out()).isTrue();
        assertThat(Long.parseLong(game.group(1))).isPositive();
        assertThat(again.out()).contains("node 1 stake: 1 ETH -> 0.25 ETH");
    }

    /** Once the network in {@code home} is down: {@code --up} says nothing runs, naming the command that starts one. */
    public static void refusedOnceTheNetworkIsDown(Path home) {
        UpNetworkIT.Result none = UpNetworkIT.run("dispute", "demo", "--home", home.toString(), "--up");
        assertThat(none.code()).isEqualTo(Main.UNREACHABLE);
        assertThat(none.out()).contains("no `verity up` network is running in " + home.toAbsolutePath()).contains("./verity up --detach");
    }

    private static boolean hasSlash(JsonNode events) {
        if (events == null) return false;
        for (JsonNode e : events.path("events")) if (e.path("name").asText().equals("Slashed")) return true;
        return false;
    }

    private static NetworkFile.Component component(NetworkFile nf, String name) {
        return nf.components().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }
}
