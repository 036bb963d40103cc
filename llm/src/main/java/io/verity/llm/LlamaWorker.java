package io.verity.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import io.verity.llm.gguf.GgufMetadata;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The child process that hosts llama.cpp: {@code java -cp ... io.verity.llm.LlamaWorker MODEL.gguf THREADS}.
 * The native library keeps threads alive after the model closes, so the JVM that loads it may never exit;
 * running it here lets the node JVM exit, and a crash in native code takes down only this process.
 *
 * <p>Protocol: JSON lines. Stdout first says {@code {"ready": true, ...}} (or {@code {"fatal": msg}}),
 * then answers each request line in order, one at a time. A request is
 * {@code {id, messages|prompt, maxTokens, temperature, topP, seed, stop[], grammar? | jsonSchema?}}; the answer is
 * one {@code {id, token}} line per sampled token (also the parent's sign of progress: a worker silent for too long
 * is killed as hung), then {@code {id, done: {text, prompt,
 * promptTokens, completionTokens, finishReason}}} or {@code {id, error}}. llama.cpp's logs go to stderr.
 * An error is the request's: the worker is still alive and serves the next one. A prompt that does not fit the
 * model's context ({@code <architecture>.context_length} in the GGUF, which is the context llama.cpp allocates)
 * is refused before generation, as llama.cpp's server does.
 */
public final class LlamaWorker {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Test-only system property: a prompt containing its value makes the worker hang after its first token, as a
     * native deadlock would. {@link LlmEngine} passes it on only when its own JVM has it, which only tests set;
     * no request can.
     */
    static final String STALL_ON = "verity.llm.test.stallOn";
    /** Test-only system property: {@code true} makes the worker hang before it loads its model (passed on likewise). */
    static final String STALL_ON_LOAD = "verity.llm.test.stallOnLoad";
    /** The prefix of the test-only properties {@link LlmEngine} passes on to its workers. */
    static final String TEST_HOOKS = "verity.llm.test.";

    private LlamaWorker() {}

    public static void main(String[] args) throws Exception {
        // Protocol lines own fd 1; anything Java code prints goes to stderr.
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        if (args.length != 2) {
            fatal(protocol, "usage: LlamaWorker MODEL.gguf THREADS");
            return;
        }
        if (Boolean.getBoolean(STALL_ON_LOAD)) Thread.sleep(Long.MAX_VALUE);
        LlamaModel model;
        GgufMetadata meta;
        try {
            meta = GgufMetadata.read(java.nio.file.Path.of(args[0]));
            LlamaModel.setLogger(LogFormat.TEXT, (level, msg) -> System.err.print(msg));
            model = new LlamaModel(new ModelParameters().setModel(args[0]).setThreads(Integer.parseInt(args[1]))
                    .setThreadsBatch(Integer.parseInt(args[1])).setGpuLayers(0).setParallel(1).setCtxSize(0)
                    .disableContextShift());
        } catch (RuntimeException | Error | java.io.IOException e) {
            fatal(protocol, "llama.cpp could not load " + args[0] + ": " + e.getMessage());
            return;
        }
        ObjectNode ready = JSON.createObjectNode().put("ready", true).put("binding", LlmEngine.BINDING_VERSION);
        protocol.println(JSON.writeValueAsString(ready));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) continue;
            long id = -1;
            try {
                JsonNode req = JSON.readTree(line);
                id = req.path("id").asLong(-1);
                serve(model, meta, req, id, protocol);
            } catch (Exception e) {
                ObjectNode err = JSON.createObjectNode().put("id", id).put("error", String.valueOf(e.getMessage()));
                protocol.println(JSON.writeValueAsString(err));
            }
        }
        // stdin closed: the parent is done with us. Exit without close(): llama.cpp's threads would keep us alive.
        Runtime.getRuntime().halt(0);
    }

    private static void serve(LlamaModel model, GgufMetadata meta, JsonNode req, long id, PrintStream protocol) throws Exception {
        String prompt;
        if (req.has("messages")) {
            ObjectNode chat = JSON.createObjectNode();
            chat.set("messages", req.get("messages"));
            prompt = model.applyTemplate(JSON.writeValueAsString(chat));
        } else {
            prompt = req.path("prompt").asText();
        }
        int maxTokens = req.path("maxTokens").asInt();
        int promptTokens = model.encode(prompt).length;
        long context = meta.contextLength();
        int withBos = promptTokens + (meta.addsBos() ? 1 : 0);
        if (context > 0 && withBos >= context) {
            throw new IllegalArgumentException("the prompt is " + withBos + " tokens but the model's context is " + context
                    + " tokens (prompt and answer must fit)");
        }
        InferenceParameters p = new InferenceParameters(prompt)
                .setNPredict(maxTokens)
                .setTemperature((float) req.path("temperature").asDouble())
                .setTopP((float) req.path("topP").asDouble())
                .setTopK(0)
                .setMinP(0f)
                .setRepeatPenalty(1f)
                .setSeed(req.path("seed").asInt())
                .setCachePrompt(false);
        if (req.hasNonNull("grammar")) p.setGrammar(req.get("grammar").asText());
        if (req.hasNonNull("jsonSchema")) p.setGrammar(LlamaModel.jsonSchemaToGrammar(req.get("jsonSchema").asText()));
        ArrayNode stops = (ArrayNode) req.path("stop");
        if (stops != null && !stops.isEmpty()) {
            String[] s = new String[stops.size()];
            for (int i = 0; i < s.length; i++) s[i] = stops.get(i).asText();
            p.setStopStrings(s);
        }
        String stallOn = System.getProperty(STALL_ON);
        boolean hang = stallOn != null && !stallOn.isEmpty() && prompt.contains(stallOn);
        StringBuilder text = new StringBuilder();
        int tokens = 0;
        for (LlamaOutput out : model.generate(p)) {
            // One streamed output per sampled token; the last (stop) one carries no new token.
            if (out.text.isEmpty()) continue;
            tokens++;
            text.append(out.text);
            protocol.println(JSON.writeValueAsString(JSON.createObjectNode().put("id", id).put("token", out.text)));
            if (hang) Thread.sleep(Long.MAX_VALUE);
        }
        ObjectNode done = JSON.createObjectNode();
        done.put("text", text.toString())
                .put("prompt", prompt)
                .put("promptTokens", promptTokens)
                .put("completionTokens", tokens)
                .put("finishReason", tokens >= maxTokens ? "length" : "stop");
        ObjectNode msg = JSON.createObjectNode().put("id", id);
        msg.set("done", done);
        protocol.println(JSON.writeValueAsString(msg));
    }

    private static void fatal(PrintStream protocol, String message) throws Exception {
        protocol.println(JSON.writeValueAsString(JSON.createObjectNode().put("fatal", message)));
        Runtime.getRuntime().halt(2);
    }
}
