package io.verity.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Rebuilding a streamed answer: choices by index, tool calls merged from OpenAI-style fragments. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChatDigestsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> chunks(String... json) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String j : json) out.add(JSON.readTree(j));
        return out;
    }

    @Test
    void interleaved_choices_rebuild_per_index_in_order() throws Exception {
        JsonNode whole = ChatDigests.answerFromChunks(chunks(
                "{\"choices\":[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"He\"}},{\"index\":1,\"delta\":{\"content\":\"Bon\"}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"llo\"},\"finish_reason\":\"stop\"}]}",
                "{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"jour\"},\"finish_reason\":\"length\"}]}",
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}"), true);
        assertThat(whole.get("choices")).hasSize(2);
        assertThat(whole.at("/choices/0/message/content").asText()).isEqualTo("Hello");
        assertThat(whole.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(whole.at("/choices/1/index").asInt()).isEqualTo(1);
        assertThat(whole.at("/choices/1/message/content").asText()).isEqualTo("Bonjour");
        assertThat(whole.at("/usage/total_tokens").asInt()).isEqualTo(7);
    }

    @Test
    void fragmented_tool_call_deltas_merge_into_whole_calls_like_the_unstreamed_message() throws Exception {
        JsonNode whole = ChatDigests.answerFromChunks(chunks(
                "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
                        + "\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}"), true);
        JsonNode calls = whole.at("/choices/0/message/tool_calls");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0)).isEqualTo(JSON.readTree("{\"id\":\"call_a\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}"));
        assertThat(calls.get(1).at("/function/name").asText()).isEqualTo("get_time");
        JsonNode unstreamed = JSON.readTree("{\"choices\":[{\"index\":0,\"message\":" + ChatDigests.toolCallMessage(
                (com.fasterxml.jackson.databind.node.ArrayNode) calls) + ",\"finish_reason\":\"tool_calls\"}],\"usage\":null}");
        assertThat(ChatDigests.response(whole)).isEqualTo(ChatDigests.response(unstreamed));
    }
}
