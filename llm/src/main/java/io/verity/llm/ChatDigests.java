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
