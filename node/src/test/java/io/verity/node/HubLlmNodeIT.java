package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import java.net.http.HttpClient;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GGUF model in the node's hub is served on the OpenAI routes from start, and refused on /v1/infer. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HubLlmNodeIT {
    @TempDir Path home;

    @Test
    void a_gguf_in_the_hub_answers_chat_with_a_receipt_on_its_digest_and_infer_points_to_chat() throws Exception {
        Path gguf = LlmNodes.tinyLlama(home);
        var manifest = new ModelHub(home.resolve("node/models")).add(gguf, "tiny-llama", "1", "Apache-2.0", "generated");
        try (InferenceNode node = InferenceNode.start(NodeConfig.defaults(home.resolve("node")));
                HttpClient http = HttpClient.newHttpClient()) {
            NodeFixture.Response r = NodeFixture.post(http, node.url(), "/v1/chat/completions", "{\"model\":\"tiny-llama\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":0,\"max_tokens\":4}", "application/json");
            assertThat(r.status()).as(new String(r.raw())).isEqualTo(200);
            assertThat(r.body().at("/choices/0/message/content").asText()).hasSize(4);
            var receipt = ReceiptJson.read(r.body().at("/verity/receipt"), "");
            assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
            assertThat(receipt.receipt().modelDigest()).isEqualTo(manifest.digest());

            JsonNode models = NodeFixture.get(http, node.url(), "/v1/models").body();
            assertThat(models.get("data")).hasSize(1);
            assertThat(models.at("/data/0/verity_model_digest").asText()).isEqualTo(manifest.digest().toHex());

            NodeFixture.Response infer = NodeFixture.post(http, node.url(), "/v1/infer", "{\"model\":\"tiny-llama\","
                    + "\"inputs\":[]}", "application/json");
            assertThat(infer.status()).isEqualTo(400);
            assertThat(infer.body().at("/errors/0/pointer").asText()).isEqualTo("/model");
            assertThat(infer.body().at("/errors/0/detail").asText()).contains("POST /v1/chat/completions");
        }
    }
}
