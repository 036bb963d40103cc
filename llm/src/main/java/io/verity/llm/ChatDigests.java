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
     * The whole answer a stream adds up to, as the node digests it, per choice ({@code index}, so {@code n > 1}
     * streams rebuild every choice): content deltas (or text) joined, tool calls from {@code delta.tool_calls}
     * merged by their stream {@code index} (id, type and name from the first delta, {@code arguments} fragments
     * joined, as OpenAI-compatible servers send them; the stream index itself is dropped), the last finish
     * reason, and the usage of the chunk that carries it. Choices come out ordered by index.
     */
    public static ObjectNode answerFromChunks(Iterable<JsonNode> chunks, boolean chat) {
        java.util.SortedMap<Integer, StringBuilder> content = new java.util.TreeMap<>();
        java.util.Map<Integer, java.util.SortedMap<Integer, ObjectNode>> calls = new java.util.HashMap<>();
        java.util.Map<Integer, String> finish = new java.util.HashMap<>();
        JsonNode usage = null;
        for (JsonNode chunk : chunks) {
            if (chunk.hasNonNull("usage")) usage = chunk.get("usage");
            for (JsonNode c : chunk.path("choices")) {
                int index = c.path("index").asInt(0);
                StringBuilder text = content.computeIfAbsent(index, i -> new StringBuilder());
                if (chat) {
                    text.append(c.path("delta").path("content").asText(""));
                    for (JsonNode tc : c.path("delta").path("tool_calls")) {
                        var byIndex = calls.computeIfAbsent(index, i -> new java.util.TreeMap<>());
                        mergeToolCall(byIndex, tc, byIndex.size());
                    }
                } else {
                    text.append(c.path("text").asText(""));
                }
                if (c.path("finish_reason").isTextual()) finish.put(index, c.get("finish_reason").asText());
            }
        }
        if (content.isEmpty()) content.put(0, new StringBuilder());
        ObjectNode whole = JSON.createObjectNode();
        ArrayNode choices = whole.putArray("choices");
        content.forEach((index, text) -> {
            ObjectNode choice = choices.addObject().put("index", index);
            var byIndex = calls.get(index);
            if (chat && byIndex != null && !byIndex.isEmpty()) {
                ArrayNode toolCalls = JSON.createArrayNode();
                byIndex.values().forEach(toolCalls::add);
                choice.set("message", toolCallMessage(toolCalls));
            } else if (chat) {
                choice.set("message", assistantMessage(text.toString()));
            } else {
                choice.put("text", text.toString());
            }
            choice.put("finish_reason", finish.get(index));
        });
        whole.set("usage", usage);
        return whole;
    }

    /** Adds one {@code delta.tool_calls} entry: a new call, or more of the call with the same stream index. */
    private static void mergeToolCall(java.util.SortedMap<Integer, ObjectNode> byIndex, JsonNode delta, int next) {
        int at = delta.path("index").asInt(next);
        ObjectNode call = byIndex.get(at);
        if (call == null) {
            call = delta.deepCopy();
            call.remove("index");
            byIndex.put(at, call);
            return;
        }
        for (String f : new String[] {"id", "type"}) {
            if (!call.hasNonNull(f) && delta.hasNonNull(f)) call.set(f, delta.get(f));
        }
        JsonNode fn = delta.path("function");
        if (fn.isObject()) {
            ObjectNode into = call.has("function") && call.get("function").isObject() ? (ObjectNode) call.get("function")
                    : call.putObject("function");
            if (!into.hasNonNull("name") && fn.hasNonNull("name")) into.set("name", fn.get("name"));
            if (fn.hasNonNull("arguments")) into.put("arguments", into.path("arguments").asText("") + fn.get("arguments").asText());
        }
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
