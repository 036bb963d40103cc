package io.verity.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.Keccak256;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Turning a model's answer into tool calls: parallel calls, parallel_tool_calls false, ids per choice. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiToolsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Keccak256 DIGEST = Keccak256.hash(new byte[] {1});
    static final String TWO = "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>\n"
            + "<tool_call>{\"name\": \"get_time\", \"arguments\": {\"tz\": \"CET\"}}</tool_call>";

    static OpenAiTools.Tools tools(String extra) throws Exception {
        return OpenAiTools.parse(JSON.readTree("{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}},"
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_time\"}}]" + extra + "}"));
    }

    @Test
    void several_tool_call_blocks_are_several_calls_in_one_message_with_distinct_ids() throws Exception {
        JsonNode m = OpenAiTools.message(tools(""), TWO, DIGEST, 0);
        assertThat(m.get("content").isNull()).isTrue();
        assertThat(m.get("tool_calls")).hasSize(2);
        assertThat(m.at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(m.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(m.at("/tool_calls/1/function/name").asText()).isEqualTo("get_time");
        assertThat(m.at("/tool_calls/0/id")).isNotEqualTo(m.at("/tool_calls/1/id"));
        // ids depend on the request digest and the choice, so n > 1 choices never share one
        assertThat(OpenAiTools.message(tools(""), TWO, DIGEST, 1).at("/tool_calls/0/id")).isNotEqualTo(m.at("/tool_calls/0/id"));
        assertThat(OpenAiTools.message(tools(""), TWO, DIGEST, 0)).isEqualTo(m);
    }

    @Test
    void parallel_tool_calls_false_keeps_only_the_first_call_and_says_so_to_the_model() throws Exception {
        OpenAiTools.Tools one = tools(", \"parallel_tool_calls\": false");
        JsonNode m = OpenAiTools.message(one, TWO, DIGEST, 0);
        assertThat(m.get("tool_calls")).hasSize(1);
        assertThat(m.at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(OpenAiTools.systemNote(one)).contains("at most one");
        assertThat(OpenAiTools.systemNote(tools(""))).contains("one such block per call");
    }

    @Test
    void calls_followed_by_prose_or_naming_an_unknown_tool_stay_content() throws Exception {
        assertThat(OpenAiTools.message(tools(""), TWO + " and that is all", DIGEST, 0).get("content").asText())
                .isEqualTo(TWO + " and that is all");
        String unknown = TWO.replace("get_time", "launch_rockets");
        assertThat(OpenAiTools.message(tools(""), unknown, DIGEST, 0).has("tool_calls")).isFalse();
        // an unclosed last block (a stop string cut the close) still counts
        JsonNode cut = OpenAiTools.message(tools(""), TWO.substring(0, TWO.length() - "</tool_call>".length()), DIGEST, 0);
        assertThat(cut.get("tool_calls")).hasSize(2);
    }
}
