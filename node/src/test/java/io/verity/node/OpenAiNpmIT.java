package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.llm.LlmEngine;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.OpenAiSdk;
import io.verity.node.fixture.TinyLlmNode;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The official `openai` npm client, unchanged, against a real node serving the tiny GGUF (tools/openai-client-check.mjs). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiNpmIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension static final TinyLlmNode node = TinyLlmNode.of(LlmEngine.Options.defaults(2, null));

    @Test
    void openai_npm_chats_streams_uses_json_mode_and_reads_errors_against_a_node() throws Exception {
        JsonNode out = OpenAiSdk.npmClientCheck(node.url(), LlmNodes.TINY_LLAMA);

        assertThat(out.at("/chat/content").asText()).hasSize(12);
        assertThat(out.at("/chat/finish").asText()).isEqualTo("length");
        SignedReceipt chat = ReceiptJson.read(out.at("/chat/verity/receipt"), "");
        assertThat(chat.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(chat.receipt().node()).isEqualTo(node.address());

        assertThat(out.at("/stream/content").asText()).isEqualTo(out.at("/chat/content").asText());
        SignedReceipt streamed = ReceiptJson.read(out.at("/stream/verity/receipt"), "");
        assertThat(streamed.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(streamed.receipt().outputsDigest()).isEqualTo(chat.receipt().outputsDigest());
        assertThat(out.at("/stream/usage")).isEqualTo(out.at("/chat/usage"));

        assertThat(out.at("/json/content").asText()).startsWith("{");
        assertThat(out.at("/tools/finish").asText()).isEqualTo("tool_calls");
        assertThat(out.at("/tools/name").asText()).isEqualTo("get_weather");
        assertThat(JSON.readTree(out.at("/tools/arguments").asText()).has("city")).isTrue();

        assertThat(out.at("/error/thrown").asBoolean()).isTrue();
        assertThat(out.at("/error/name").asText()).isEqualTo("NotFoundError");
        assertThat(out.at("/error/status").asInt()).isEqualTo(404);
        assertThat(out.at("/error/code").asText()).isEqualTo("model_not_found");
        assertThat(out.at("/error/param").asText()).isEqualTo("model");
    }
}
