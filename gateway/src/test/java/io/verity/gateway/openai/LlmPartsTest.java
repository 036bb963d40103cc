package io.verity.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.llm.ChatDigests;
import io.verity.protocol.Keccak256;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The language-model routes' small decisions: what counts as a token, which requests can be compared, re-runs. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class LlmPartsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void the_role_chunk_and_the_receipt_chunk_are_not_tokens_but_text_and_tool_calls_are() throws Exception {
        assertThat(LlmCaller.isToken(json("{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}"), true)).isFalse();
        assertThat(LlmCaller.isToken(json("{\"choices\":[],\"verity\":{}}"), true)).isFalse();
        assertThat(LlmCaller.isToken(json("{\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}"), true)).isFalse();
        assertThat(LlmCaller.isToken(json("{\"choices\":[{\"delta\":{\"content\":\"a\"}}]}"), true)).isTrue();
        assertThat(LlmCaller.isToken(json("{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0}]}}]}"), true)).isTrue();
        assertThat(LlmCaller.isToken(json("{\"choices\":[{\"text\":\"\"}]}"), false)).isFalse();
        assertThat(LlmCaller.isToken(json("{\"choices\":[{\"text\":\"a\"}]}"), false)).isTrue();
    }

    @Test
    void an_embeddings_deposit_hold_counts_each_input_at_most_its_length_and_the_models_512_positions() throws Exception {
        assertThat(OpenAiProxy.embeddingTokens((com.fasterxml.jackson.databind.node.ObjectNode) json("{\"input\":\"hello\"}")))
                .isEqualTo(7);
        assertThat(OpenAiProxy.embeddingTokens((com.fasterxml.jackson.databind.node.ObjectNode) json("{\"input\":[\"ab\",[1,2,3]]}")))
                .isEqualTo(4 + 3);
        assertThat(OpenAiProxy.embeddingTokens((com.fasterxml.jackson.databind.node.ObjectNode) json("{\"input\":[101,7,102]}")))
                .isEqualTo(3);
        assertThat(OpenAiProxy.embeddingTokens((com.fasterxml.jackson.databind.node.ObjectNode) json("{\"input\":\""
                + "x".repeat(5000) + "\"}"))).isEqualTo(512);
        assertThat(OpenAiProxy.embeddingTokens((com.fasterxml.jackson.databind.node.ObjectNode) json("{\"input\":{}}"))).isEqualTo(1);
    }

    @Test
    void only_greedy_or_seeded_requests_can_be_compared_across_nodes() throws Exception {
        assertThat(OpenAiProxy.reproducible(json("{\"temperature\":0}"))).isTrue();
        assertThat(OpenAiProxy.reproducible(json("{\"temperature\":0.0}"))).isTrue();
        assertThat(OpenAiProxy.reproducible(json("{\"temperature\":0.7,\"seed\":42}"))).isTrue();
        assertThat(OpenAiProxy.reproducible(json("{}"))).as("default temperature 1, seed drawn per node").isFalse();
        assertThat(OpenAiProxy.reproducible(json("{\"temperature\":0.7}"))).isFalse();
        assertThat(OpenAiProxy.reproducible(json("{\"temperature\":\"0\"}"))).isFalse();
        assertThat(OpenAiProxy.reproducible(json("{\"temperature\":1,\"seed\":null}"))).isFalse();
    }

    @Test
    void an_audit_re_runs_a_stream_unstreamed_under_the_same_request_digest() throws Exception {
        JsonNode body = json("{\"model\":\"m\",\"messages\":[],\"temperature\":0,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}");
        LlmCaller.Call streamed = new LlmCaller.Call("/v1/chat/completions", body, JSON.writeValueAsBytes(body),
                Keccak256.hash(new byte[] {1}), Keccak256.hash(new byte[] {2}), true);
        LlmCaller.Call plain = streamed.unstreamed();
        assertThat(plain.stream()).isFalse();
        assertThat(JSON.readTree(plain.bytes()).has("stream")).isFalse();
        JsonNode applied = json("{\"seed\":0}");
        assertThat(ChatDigests.request(plain.path(), plain.body(), applied))
                .isEqualTo(ChatDigests.request(streamed.path(), streamed.body(), applied));
        assertThat(body.has("stream")).as("the client's body is left alone").isTrue();
    }
}
