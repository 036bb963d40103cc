package io.verity.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.Jcs;
import java.util.Set;

/**
 * The digests a receipt signs for an OpenAI-style answer, each keccak256 over the RFC 8785 (JCS) form of one
 * JSON object, so anyone can recompute them from a saved request and response with any JCS library:
 *
 * <pre>
 * requestDigest  = keccak256(JCS({"kind": "verity/openai-request/v1", "path": "/v1/chat/completions",
 *                                 "request": body without stream and stream_options, "applied": settings}))
 * responseDigest = keccak256(JCS({"kind": "verity/openai-response/v1",
 *                                 "choices": [{index, message | text, finish_reason}], "usage": {prompt_tokens,
 *                                 completion_tokens, total_tokens}}))
 * </pre>
 *
 * The request part is the whole body (tools, tool_choice, top_p, seed, response_format, stop, ... and fields
 * the node ignores, which cannot hurt), less the two transport fields: a streamed and a non-streamed run of
 * the same request share both digests. {@code applied} is what the node actually ran with (defaults filled
 * in, the seed it drew), returned as {@code verity.applied}. The response part leaves out what differs
 * between runs without changing the answer ({@code id}, {@code created}, {@code system_fingerprint}).
 */
public final class ChatDigests {
    public static final Set<String> TRANSPORT_FIELDS = Set.of("stream", "stream_options");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatDigests() {}

    public static Keccak256 request(String path, JsonNode body, JsonNode applied) {
        ObjectNode request = body.deepCopy();
        request.remove(TRANSPORT_FIELDS);
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", "verity/openai-request/v1");
        o.put("path", path);
        o.set("request", request);
        o.set("applied", applied);
        return Keccak256.hash(Jcs.canonicalize(o));
    }

    /** The assistant message of a chat answer, exactly as the node sends and digests it. */
    public static ObjectNode assistantMessage(String content) {
        ObjectNode m = JSON.createObjectNode();
        m.put("role", "assistant").put("content", content).putNull("refusal");
        return m;
    }

    /**
     * The whole answer a stream adds up to, as the node digests it: content deltas (or text) joined, tool calls
     * from {@code delta.tool_calls} (without their stream {@code index}), the last finish reason, and the
     * usage of the chunk that carries it.
     */
    public static ObjectNode answerFromChunks(Iterable<JsonNode> chunks, boolean chat) {
        StringBuilder content = new StringBuilder();
        ArrayNode toolCalls = JSON.createArrayNode();
        String finish = null;
        JsonNode usage = null;
        for (JsonNode chunk : chunks) {
            if (chunk.hasNonNull("usage")) usage = chunk.get("usage");
            JsonNode c = chunk.path("choices").path(0);
            if (chat) {
                content.append(c.path("delta").path("content").asText(""));
                for (JsonNode tc : c.path("delta").path("tool_calls")) {
                    ObjectNode call = tc.deepCopy();
                    call.remove("index");
                    toolCalls.add(call);
                }
            } else {
                content.append(c.path("text").asText(""));
            }
            if (c.path("finish_reason").isTextual()) finish = c.get("finish_reason").asText();
        }
        ObjectNode whole = JSON.createObjectNode();
        ObjectNode choice = whole.putArray("choices").addObject().put("index", 0);
        if (chat) choice.set("message", toolCalls.isEmpty() ? assistantMessage(content.toString()) : toolCallMessage(toolCalls));
        else choice.put("text", content.toString());
        choice.put("finish_reason", finish);
        whole.set("usage", usage);
        return whole;
    }

    /** An assistant message that calls tools instead of answering, as the node sends and digests it. */
    public static ObjectNode toolCallMessage(ArrayNode toolCalls) {
        ObjectNode m = JSON.createObjectNode();
        m.put("role", "assistant").putNull("content").putNull("refusal");
        m.set("tool_calls", toolCalls);
        return m;
    }

    /** @param response a chat.completion or text_completion object, as the node sent it or a client saved it */
    public static Keccak256 response(JsonNode response) {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", "verity/openai-response/v1");
        ArrayNode choices = o.putArray("choices");
        for (JsonNode c : response.path("choices")) {
            ObjectNode choice = choices.addObject();
            choice.set("index", c.get("index"));
            if (c.has("message")) choice.set("message", c.get("message"));
            if (c.has("text")) choice.set("text", c.get("text"));
            choice.set("finish_reason", c.get("finish_reason"));
        }
        JsonNode u = response.path("usage");
        ObjectNode usage = o.putObject("usage");
        for (String f : new String[] {"prompt_tokens", "completion_tokens", "total_tokens"}) usage.set(f, u.get(f));
        return Keccak256.hash(Jcs.canonicalize(o));
    }
}
