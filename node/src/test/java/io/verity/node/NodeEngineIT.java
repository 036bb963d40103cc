package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.verity.engine.EngineKind;
import io.verity.engine.det.DeterministicEngine;
import io.verity.node.fixture.StakedNodes;
import io.verity.node.hub.ModelHub;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17: the engine a node serves each model with, chosen by {@code --engine} and by the model's manifest. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeEngineIT {
    static final Path BERNOULLI = Path.of("/usr/share/libonnx-testdata/data/node/test_bernoulli/model.onnx");

    @TempDir Path home;

    @Test
    void a_model_the_deterministic_engine_cannot_run_stops_a_det_node_at_start_naming_the_operator() {
        assumeTrue(Files.isRegularFile(BERNOULLI), "Debian libonnx-testdata is not installed");
        new ModelHub(home.resolve("models")).add(BERNOULLI, "bernoulli", "1", null, null); // no engine of its own: the node's
        NodeConfig config = NodeMain.parse(new String[] {"--home", home.toString(), "--engine", "det"});

        assertThatThrownBy(() -> InferenceNode.start(config).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("model bernoulli@1 (0x")
                .hasMessageContaining("cannot run on the deterministic engine: ")
                .hasMessageContaining("does not support: [Bernoulli]")
                .hasMessageEndingWith("; remove it (verity model rm) or add it again with --engine onnxruntime");
    }

    @Test
    void a_model_whose_manifest_names_det_runs_on_det_on_an_onnxruntime_node_and_the_receipt_says_so() throws Exception {
        new ModelHub(home.resolve("models")).add(StakedNodes.vadFile(), StakedNodes.VAD, "5", "MIT", null,
                Optional.of(EngineKind.DET));
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home));
                HttpClient http = HttpClient.newHttpClient()) {
            assertThat(node.config().engine()).isEqualTo(EngineKind.ONNXRUNTIME);
            NodeFixture.Response r = NodeFixture.post(http, node.url(), "/v1/infer", NodeFixture.vadRequest(null), "application/json");

            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            assertThat(r.body().at("/receipt/engine").asText()).isEqualTo(DeterministicEngine.ID_V3); // the node default contract
            // disputable at an untraced run's cost: the node commits to the trace only if the receipt is challenged
            assertThat(r.body().at("/receipt/traceRoot").asText()).isEqualTo(io.verity.protocol.receipt.Receipt.TRACE_ON_CHALLENGE.toHex());
            NodeFixture.Response listed = NodeFixture.get(http, node.url(), "/v1/models");
            assertThat(listed.body().at("/models/0/engine").asText()).isEqualTo("det");
        }
    }
}
