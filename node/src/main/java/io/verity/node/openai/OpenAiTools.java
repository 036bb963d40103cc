package io.verity.node.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.llm.ChatDigests;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * OpenAI tool calling on top of a plain chat model. The tools are described to the model in a system
 * message (a chat template that knows tools is not needed), and a call is the answer
 * {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}. With {@code tool_choice} "required" or a
 * named function the answer is forced into that JSON by a JSON-Schema grammar (the function's
 * {@code parameters} included), so even a model that never saw the convention calls the tool; with "auto"
 * the model chooses, and an answer that starts with {@code <tool_call>} and parses becomes a call.
 *
 * <p>Parallel calls: with {@code parallel_tool_calls} true (OpenAI's default) an "auto" answer of several
 * {@code <tool_call>} blocks is several calls in one message; with false the model is told to call at most one
 * and only the first block counts. A forced answer is one call (its grammar is one JSON object). A call's id is
 * derived from the request digest, the choice index and the call's position, so every node that runs the same
 * request produces the same message and digest.
 */
final class OpenAiTools {
    static final String OPEN = "<tool_call>", CLOSE = "</tool_call>";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    enum Mode { NONE, AUTO, FORCED }

    /** The tools of a request, by name (each its {@code function} object), and how they may be used. */
    record Tools(Map<String, JsonNode> functions, Mode mode, String forcedName, boolean parallel) {
        static final Tools NONE = new Tools(Map.of(), Mode.NONE, null, true);

        boolean active() {
            return mode != Mode.NONE;
        }
    }

    private OpenAiTools() {}

    /** Checks one tool's parameter schema; throws when llama.cpp could not convert it. */
    interface SchemaCheck {
        void check(JsonNode schema, String at);
    }

    static Tools parse(JsonNode body) {
        return parse(body, (schema, at) -> { });
    }

    static Tools parse(JsonNode body, SchemaCheck schemas) {
        JsonNode p = body.get("parallel_tool_calls");
        if (p != null && !p.isNull() && !p.isBoolean()) {
            throw OpenAiApi.OpenAiException.invalid("parallel_tool_calls", "parallel_tool_calls must be a boolean, got " + p);
        }
        boolean parallel = p == null || p.isNull() || p.asBoolean();
        JsonNode tools = body.get("tools");
        JsonNode choice = body.get("tool_choice");
        if (tools == null || tools.isNull() || (tools.isArray() && tools.isEmpty())) {
            if (choice != null && !choice.isNull() && !"none".equals(choice.asText(null))) {
                throw OpenAiApi.OpenAiException.invalid("tool_choice", "tool_choice needs tools");
            }
            return Tools.NONE;
        }
        if (!tools.isArray()) throw OpenAiApi.OpenAiException.invalid("tools", "tools must be an array of {type: \"function\", function}");
        Map<String, JsonNode> functions = new LinkedHashMap<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String at = "tools[" + i + "]";
            if (!"function".equals(t.path("type").asText())) {
                throw OpenAiApi.OpenAiException.invalid(at + ".type", at + ".type must be \"function\"");
            }
            JsonNode f = t.get("function");
            if (f == null || !f.isObject()) throw OpenAiApi.OpenAiException.invalid(at + ".function", at + ".function is required");
            String name = f.path("name").asText("");
            if (!NAME.matcher(name).matches()) {
                throw OpenAiApi.OpenAiException.invalid(at + ".function.name", at + ".function.name must be 1-64 of a-z A-Z 0-9 _ -,"
                        + " got '" + name + "'");
            }
            JsonNode params = f.get("parameters");
            if (params != null && !params.isNull() && !params.isObject()) {
                throw OpenAiApi.OpenAiException.invalid(at + ".function.parameters", at + ".function.parameters must be a JSON Schema object");
            }
            // A forced call's grammar embeds the parameters under properties.arguments: "#/..." would not resolve there.
            if (params != null && params.isObject()) schemas.check(params, at + ".function.parameters");
            if (functions.putIfAbsent(name, f) != null) {
                throw OpenAiApi.OpenAiException.invalid(at + ".function.name", "tool " + name + " is given twice");
            }
        }
        if (choice == null || choice.isNull() || "auto".equals(choice.asText(null))) return new Tools(functions, Mode.AUTO, null, parallel);
        if ("none".equals(choice.asText(null))) return new Tools(functions, Mode.NONE, null, parallel);
        if ("required".equals(choice.asText(null))) return new Tools(functions, Mode.FORCED, null, parallel);
        String named = choice.path("function").path("name").asText(null);
        if (choice.isObject() && "function".equals(choice.path("type").asText()) && named != null) {
            if (!functions.containsKey(named)) {
                throw OpenAiApi.OpenAiException.invalid("tool_choice", "tool_choice names " + named + ", which is not in tools");
            }
            return new Tools(functions, Mode.FORCED, named, parallel);
        }
        throw OpenAiApi.OpenAiException.invalid("tool_choice", "tool_choice must be none, auto, required or "
                + "{type: \"function\", function: {name}}");
    }

    /** The system message that tells the model its tools and how to call one. */
    static String systemNote(Tools tools) {
        ArrayNode list = JSON.createArrayNode();
        tools.functions().values().forEach(list::add);
        return "You can call these tools (JSON): " + list + "\nTo call one, answer only with " + OPEN
                + "{\"name\": <tool name>, \"arguments\": <arguments object>}" + CLOSE
                + (tools.mode() == Mode.AUTO ? (tools.parallel() ? "\nTo call several tools at once, write one such block per call."
                        : "\nCall at most one tool.") : "")
                + (tools.mode() == Mode.FORCED ? "\nYou must call " + (tools.forcedName() == null ? "one of them" : tools.forcedName()) + "." : "");
    }

    /** JSON Schema of a forced answer: the call itself, {@code {name, arguments}}, with each tool's parameters. */
    static String forcedSchema(Tools tools) {
        ArrayNode options = JSON.createArrayNode();
        tools.functions().forEach((name, f) -> {
            if (tools.forcedName() != null && !tools.forcedName().equals(name)) return;
            ObjectNode o = options.addObject();
            o.put("type", "object");
            ObjectNode props = o.putObject("properties");
            props.putObject("name").put("const", name);
            JsonNode params = f.get("parameters");
            props.set("arguments", params == null || params.isNull() ? JSON.createObjectNode().put("type", "object") : params);
            o.putArray("required").add("name").add("arguments");
        });
        return (options.size() == 1 ? options.get(0) : JSON.createObjectNode().set("oneOf", options)).toString();
    }

    /**
     * The assistant message for {@code text}, the answer of choice {@code choice}: tool calls when the answer is
     * (forced: the whole text, one call; auto: one or more {@code <tool_call>...</tool_call>} blocks, only the
     * first unless parallel) each naming a given tool, else the text as content.
     */
    static ObjectNode message(Tools tools, String text, Keccak256 requestDigest, int choice) {
        if (!tools.active()) return ChatDigests.assistantMessage(text);
        List<String> jsons = new ArrayList<>();
        if (tools.mode() == Mode.AUTO) {
            String rest = text.strip();
            if (!rest.startsWith(OPEN)) return ChatDigests.assistantMessage(text);
            while (rest.startsWith(OPEN)) {
                rest = rest.substring(OPEN.length());
                int end = rest.indexOf(CLOSE);
                jsons.add(end < 0 ? rest : rest.substring(0, end)); // an unclosed last block: stopped at the close
                rest = end < 0 ? "" : rest.substring(end + CLOSE.length()).strip();
                if (!tools.parallel()) break; // only the first call counts
            }
            if (tools.parallel() && !rest.isEmpty()) return ChatDigests.assistantMessage(text); // calls, then prose: not a call
        } else {
            jsons.add(text.strip());
        }
        ArrayNode calls = JSON.createArrayNode();
        for (String json : jsons) {
            JsonNode call;
            try {
                call = JSON.readTree(json);
            } catch (IOException e) {
                return ChatDigests.assistantMessage(text); // cut short (max_tokens) or not a call after all
            }
            if (call == null || !call.isObject() || !tools.functions().containsKey(call.path("name").asText())
                    || !call.path("arguments").isObject()) {
                return ChatDigests.assistantMessage(text);
            }
            byte position = (byte) calls.size();
            ObjectNode c = calls.addObject();
            c.put("id", "call_" + Keccak256.hash(requestDigest.toArray(), new byte[] {(byte) choice, position})
                    .toHex().substring(2, 26));
            c.put("type", "function");
            c.putObject("function").put("name", call.get("name").asText()).put("arguments", call.get("arguments").toString());
        }
        return ChatDigests.toolCallMessage(calls);
    }

    static boolean isToolCall(JsonNode message) {
        return message.has("tool_calls");
    }
}
