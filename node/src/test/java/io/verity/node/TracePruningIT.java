package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.verity.chain.devnet.DisputeParams;
import io.verity.chain.fixture.LocalChain;
import io.verity.engine.EngineKind;
import io.verity.node.dispute.TraceClient;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.serve.Engines;
import io.verity.node.serve.TracePruner;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A staked det node on anvil deletes a receipt's kept inputs once the chain's clock passes its dispute window. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TracePruningIT {
    @TempDir static Path dir;
    @RegisterExtension static final LocalChain devnet = LocalChain.perClass();

    @Test
    void a_det_nodes_kept_inputs_go_after_the_dispute_window_and_a_younger_receipts_stay() throws Exception {
        Path home = dir.resolve("n1");
        StakedNodes.installVad(home);
        NodeConfig c = NodeConfig.defaults(home)
                .withChainSettings(StakedNodes.chainSettings(devnet, 1).withBatching(1, Duration.ofMillis(100)));
        try (InferenceNode node = StakedNodes.start(devnet, c, Engines.create(EngineKind.DET, 1, c.detContract()),
                InstantSource.system());
                HttpClient http = HttpClient.newHttpClient()) {
            Path old = answerAndSettle(node, http, home);

            devnet.advanceTime(DisputeParams.DEFAULT_DISPUTE_WINDOW.plus(TracePruner.MARGIN).plusMinutes(1));
            Path young = answerAndSettle(node, http, home); // settled after the jump: its window is open

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !Files.exists(old));
            assertThat(young).exists();
        }
    }

    /** One det answer, settled on chain; returns its kept-inputs file, which exists. */
    static Path answerAndSettle(InferenceNode node, HttpClient http, Path home) throws Exception {
        NodeFixture.Response r = NodeFixture.post(http, node.url(), "/v1/infer", NodeFixture.vadRequest(null), "application/json");
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        Keccak256 id = ReceiptJson.read(r.body().get("receipt"), "/receipt").id();
        Path kept = home.resolve("traces").resolve(id.toHex() + ".json");
        assertThat(kept).exists();
        TraceClient tc = new TraceClient(node.url());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> tc.inclusion(id).isPresent());
        return kept;
    }
}
