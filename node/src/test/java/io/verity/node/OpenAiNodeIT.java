package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.verity.llm.ChatDigests;
import io.verity.llm.LlmEngine;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.OpenAiSdk;
import io.verity.node.fixture.TinyLlmNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real node serving the generated tiny GGUF through llama.cpp, called over plain HTTP and through the
 * official openai-java client, unchanged (only its base URL points at the node).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiNodeIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = LlmNodes.TINY_LLAMA;
    static final BigInteger PRICE_PER_TOKEN = BigInteger.valueOf(1000);
    @RegisterExtension static final TinyLlmNode node = TinyLlmNode.of(
            LlmEngine.Options.defaults(2, Path.of("target", "openai-node-it-llama.log")), c -> c.withPrice(PRICE_PER_TOKEN));
    @AutoClose static final HttpClient http = HttpClient.newHttpClient();

    /** The 200 answer to {@code body} on {@code path}, read; any other status fails with the body as the reason. */
    static JsonNode answered(String path, String body) throws Exception {
        HttpResponse<String> r = post(path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(node.url().resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static final String GREEDY = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
            + "{\"role\":\"user\",\"content\":\"Hello\"}],\"temperature\":0,\"max_tokens\":12,\"stop\":[\"\\n\"]%s}";

    /** Checks what a stranger can check offline: signature, and both digests recomputed from the transcript. */
    static SignedReceipt checkVerity(String path, String request, JsonNode response) throws Exception {
        JsonNode verity = response.get("verity");
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "/verity/receipt");
        assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(receipt.receipt().node()).isEqualTo(node.address());
        Keccak256 requestDigest = ChatDigests.request(path, JSON.readTree(request), verity.get("applied"));
        assertThat(receipt.receipt().inputsDigest()).isEqualTo(requestDigest);
        assertThat(verity.get("requestDigest").asText()).isEqualTo(requestDigest.toHex());
        assertThat(receipt.receipt().outputsDigest()).isEqualTo(ChatDigests.response(response));
        assertThat(receipt.receipt().engine()).startsWith("llama.cpp/jllama-4.2.0/cpu,");
        // receipt v2: the model asked for is the one that ran here, with the usage the answer reports
        assertThat(receipt.receipt().version()).isEqualTo(2);
        assertThat(receipt.receipt().v2().requestedModel()).isEqualTo(JSON.readTree(request).get("model").asText());
        assertThat(receipt.receipt().v2().servedModel()).isEqualTo(receipt.receipt().v2().requestedModel());
        assertThat(receipt.receipt().v2().provider()).isEmpty();
        assertThat(receipt.receipt().v2().promptTokens()).isEqualTo(response.at("/usage/prompt_tokens").asLong());
        assertThat(receipt.receipt().v2().completionTokens()).isEqualTo(response.at("/usage/completion_tokens").asLong());
        return receipt;
    }

    @Test
    void the_verity_prev_receipt_header_is_the_receipt_v2_follows_and_must_be_a_receipt_id() throws Exception {
        String prev = "0x" + "5a".repeat(32);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(node.url().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Verity-Prev-Receipt", prev)
                .POST(HttpRequest.BodyPublishers.ofString(GREEDY.formatted(""))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        SignedReceipt receipt = checkVerity("/v1/chat/completions", GREEDY.formatted(""), JSON.readTree(r.body()));
        assertThat(receipt.receipt().v2().prevReceipt().toHex()).isEqualTo(prev);
        assertThat(checkVerity("/v1/chat/completions", GREEDY.formatted(""), answered("/v1/chat/completions",
                GREEDY.formatted(""))).receipt().v2().prevReceipt()).isEqualTo(Keccak256.ZERO);
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(node.url().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Verity-Prev-Receipt", "0x12")
                .POST(HttpRequest.BodyPublishers.ofString(GREEDY.formatted(""))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).at("/error/code").asText()).isEqualTo("invalid_prev_receipt");
    }

    @Test
    void chat_completion_answers_in_openai_shape_with_a_receipt_that_verifies_and_is_logged() throws Exception {
        String req = GREEDY.formatted("");
        HttpResponse<String> r = post("/v1/chat/completions", req);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.at("/message/role").asText()).isEqualTo("assistant");
        assertThat(choice.at("/message/content").asText()).hasSize(12);
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        JsonNode usage = body.get("usage");
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(12);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(usage.get("prompt_tokens").asInt() + 12);
        SignedReceipt receipt = checkVerity("/v1/chat/completions", req, body);
        assertThat(receipt.receipt().price()).isEqualTo(PRICE_PER_TOKEN.multiply(BigInteger.valueOf(
                usage.get("total_tokens").asInt())));
        assertThat(receipt.receipt().engine()).isEqualTo("llama.cpp/jllama-4.2.0/cpu,greedy");
        assertThat(r.headers().firstValue("Verity-Receipt-Id")).contains(receipt.id().toHex());
        assertThat(r.headers().firstValue("Verity-Response-Digest")).contains(receipt.receipt().outputsDigest().toHex());
        // logged, so it settles like every receipt
        HttpResponse<String> stored = http.send(HttpRequest.newBuilder(node.url().resolve("/v1/receipts/"
                + receipt.id().toHex())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stored.statusCode()).isEqualTo(200);
        // greedy: the same request gives the same answer and the same digests
        JsonNode again = JSON.readTree(post("/v1/chat/completions", req).body());
        assertThat(again.at("/choices/0/message/content")).isEqualTo(choice.at("/message/content"));
        assertThat(again.at("/verity/responseDigest")).isEqualTo(body.at("/verity/responseDigest"));
    }

    @Test
    void streamed_chat_adds_up_to_the_unstreamed_answer_and_ends_with_the_receipt_before_done() throws Exception {
        JsonNode plain = JSON.readTree(post("/v1/chat/completions", GREEDY.formatted("")).body());
        String req = GREEDY.formatted(",\"stream\":true");
        HttpResponse<String> r = post("/v1/chat/completions", req);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertThat(events.getLast()).isEqualTo("[DONE]");
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (String e : events.subList(0, events.size() - 2)) {
            JsonNode chunk = JSON.readTree(e);
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            content.append(chunk.at("/choices/0/delta/content").asText(""));
            if (chunk.at("/choices/0/finish_reason").isTextual()) finish = chunk.at("/choices/0/finish_reason").asText();
        }
        assertThat(content.toString()).isEqualTo(plain.at("/choices/0/message/content").asText());
        assertThat(finish).isEqualTo("length");
        JsonNode last = JSON.readTree(events.get(events.size() - 2));
        assertThat(last.get("choices")).isEmpty();
        assertThat(last.get("usage")).isEqualTo(plain.get("usage"));
        // the receipt signs the same digests as the unstreamed answer: stream is transport, not content
        assertThat(last.at("/verity/requestDigest")).isEqualTo(plain.at("/verity/requestDigest"));
        assertThat(last.at("/verity/responseDigest")).isEqualTo(plain.at("/verity/responseDigest"));
        SignedReceipt receipt = ReceiptJson.read(last.at("/verity/receipt"), "");
        assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(r.headers().firstValue("Verity-Request-Digest")).contains(receipt.receipt().inputsDigest().toHex());
    }

    @Test
    void a_seed_reproduces_a_sampled_answer_and_an_omitted_seed_is_drawn_and_recorded() throws Exception {
        String seeded = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"temperature\":0.9,\"top_p\":0.95,\"seed\":42,\"max_tokens\":16}";
        JsonNode a = JSON.readTree(post("/v1/chat/completions", seeded).body());
        JsonNode b = JSON.readTree(post("/v1/chat/completions", seeded).body());
        assertThat(a.at("/choices/0/message/content")).isEqualTo(b.at("/choices/0/message/content"));
        assertThat(a.at("/verity/receipt/engine").asText()).isEqualTo("llama.cpp/jllama-4.2.0/cpu,t=0.9,p=0.95,seed=42");
        String unseeded = seeded.replace("\"seed\":42,", "");
        JsonNode c = JSON.readTree(post("/v1/chat/completions", unseeded).body());
        long drawn = c.at("/verity/applied/seed").asLong();
        checkVerity("/v1/chat/completions", unseeded, c);
        JsonNode replay = JSON.readTree(post("/v1/chat/completions", unseeded.replace("\"max_tokens\"",
                "\"seed\":" + drawn + ",\"max_tokens\"")).body());
        assertThat(replay.at("/choices/0/message/content")).isEqualTo(c.at("/choices/0/message/content"));
    }

    @Test
    void legacy_completions_answer_text_completion_with_a_receipt() throws Exception {
        String req = "{\"model\":\"tiny-llama\",\"prompt\":\"abc\",\"temperature\":0,\"max_tokens\":5}";
        JsonNode body = answered("/v1/completions", req);
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.at("/choices/0/text").asText()).hasSize(5);
        checkVerity("/v1/completions", req, body);
    }

    @Test
    void json_mode_constrains_the_answer_to_a_json_object_prefix() throws Exception {
        String req = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"json please\"}],"
                + "\"temperature\":0,\"max_tokens\":24,\"response_format\":{\"type\":\"json_object\"}}";
        JsonNode body = answered("/v1/chat/completions", req);
        assertThat(body.at("/choices/0/message/content").asText()).startsWith("{");
        checkVerity("/v1/chat/completions", req, body);
    }

    @Test
    void bad_requests_get_openai_errors_that_are_also_problem_documents_naming_the_field() throws Exception {
        record Case(String body, int status, String param, String code) {}
        List<Case> cases = List.of(
                new Case("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 404, "model", "model_not_found"),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":3}", 400, "temperature", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[]}", 400, "messages", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", 400, "messages[0].role", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}", 400, "max_tokens", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":9}", 400, "n", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":0}", 400, "n", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"logprobs\":true}", 400, "logprobs", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_logprobs\":3}", 400, "top_logprobs", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[" + WEATHER_TOOL + "],"
                        + "\"parallel_tool_calls\":\"yes\"}", 400, "parallel_tool_calls", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\"}]}", 400, "tools[0].function", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[" + WEATHER_TOOL + "],"
                        + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}}", 400, "tool_choice", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":-1}", 400, "seed", null),
                new Case("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},", 400, null, "malformed_json"),
                new Case("{\"model\":\"tiny-llama\",\"model\":\"x\",\"messages\":[]}", 400, null, "malformed_json"));
        for (Case c : cases) {
            HttpResponse<String> r = post("/v1/chat/completions", c.body);
            assertThat(r.statusCode()).as(c.body + " -> " + r.body()).isEqualTo(c.status);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.at("/error/message").asText()).as(c.body).isNotBlank();
            assertThat(body.at("/error/param").isNull() ? null : body.at("/error/param").asText()).as(c.body).isEqualTo(c.param);
            if (c.code != null) assertThat(body.at("/error/code").asText()).isEqualTo(c.code);
            assertThat(body.get("status").asInt()).isEqualTo(c.status);
            assertThat(body.get("type").asText()).startsWith("urn:verity:problem:");
            if (c.param != null) assertThat(body.at("/errors/0/pointer").asText()).startsWith("/" + c.param.split("[.\\[]")[0]);
        }
    }

    @Test
    void models_route_serves_the_node_shape_and_the_openai_list() throws Exception {
        JsonNode body = JSON.readTree(http.send(HttpRequest.newBuilder(node.url().resolve("/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(body.get("models").isArray()).isTrue();
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("data").get(0).get("id").asText()).isEqualTo(MODEL);
        assertThat(body.get("data").get(0).get("object").asText()).isEqualTo("model");
    }

    static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather in a city\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":6}},"
            + "\"required\":[\"city\"],\"additionalProperties\":false}}}";
    static final String FORCED_TOOL = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],"
            + "\"temperature\":0,\"max_tokens\":200,\"tools\":[" + WEATHER_TOOL + "],"
            + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}%s}";

    @Test
    void a_forced_tool_choice_answers_with_a_tool_call_whose_arguments_fit_the_schema() throws Exception {
        String req = FORCED_TOOL.formatted("");
        JsonNode body = answered("/v1/chat/completions", req);
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode message = body.at("/choices/0/message");
        assertThat(message.get("content").isNull()).isTrue();
        JsonNode call = message.at("/tool_calls/0");
        assertThat(call.get("type").asText()).isEqualTo("function");
        assertThat(call.get("id").asText()).startsWith("call_");
        assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
        JsonNode args = JSON.readTree(call.at("/function/arguments").asText());
        assertThat(args.fieldNames()).toIterable().containsExactly("city");
        assertThat(args.get("city").asText().length()).isLessThanOrEqualTo(6);
        checkVerity("/v1/chat/completions", req, body);

        // streamed: one tool_calls delta, the same digests (the call id derives from the request digest)
        String streamed = FORCED_TOOL.formatted(",\"stream\":true");
        List<JsonNode> chunks = new ArrayList<>();
        for (String l : post("/v1/chat/completions", streamed).body().lines().toList()) {
            if (l.startsWith("data: {")) chunks.add(JSON.readTree(l.substring(6)));
        }
        assertThat(chunks).anySatisfy(ch -> assertThat(ch.at("/choices/0/delta/tool_calls/0/function/name").asText())
                .isEqualTo("get_weather"));
        JsonNode last = chunks.getLast();
        assertThat(last.at("/verity/responseDigest")).isEqualTo(body.at("/verity/responseDigest"));
        assertThat(ChatDigests.response(ChatDigests.answerFromChunks(chunks, true)).toHex())
                .isEqualTo(body.at("/verity/responseDigest").asText());
    }

    @Test
    void auto_tools_leave_a_plain_answer_as_content_streamed_or_not_and_tool_results_are_accepted() throws Exception {
        String req = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny\"}],"
                + "\"temperature\":0,\"max_tokens\":10,\"tools\":[" + WEATHER_TOOL + "]%s}";
        JsonNode body = answered("/v1/chat/completions", req.formatted(""));
        assertThat(body.at("/choices/0/message/content").asText()).hasSize(10);
        assertThat(body.at("/choices/0/message/tool_calls").isMissingNode()).isTrue();
        checkVerity("/v1/chat/completions", req.formatted(""), body);
        List<JsonNode> chunks = new ArrayList<>();
        for (String l : post("/v1/chat/completions", req.formatted(",\"stream\":true")).body().lines().toList()) {
            if (l.startsWith("data: {")) chunks.add(JSON.readTree(l.substring(6)));
        }
        assertThat(chunks.getLast().at("/verity/responseDigest")).isEqualTo(body.at("/verity/responseDigest"));
    }

    @Test
    void json_schema_response_format_constrains_the_answer() throws Exception {
        String req = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"json\"}],\"temperature\":0,"
                + "\"max_tokens\":100,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"answer\","
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"],"
                + "\"additionalProperties\":false}}}}";
        HttpResponse<String> r = post("/v1/chat/completions", req);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(JSON.readTree(r.body()).at("/choices/0/message/content").asText());
        assertThat(answer.get("ok").isBoolean()).isTrue();
    }

    @Test
    void openai_java_makes_a_required_tool_call() {
        com.openai.models.FunctionParameters params = com.openai.models.FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(java.util.Map.of("city",
                        java.util.Map.of("type", "string", "maxLength", 6))))
                .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build();
        ChatCompletion c = openai().chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Weather in Paris?").temperature(0).maxCompletionTokens(200)
                .addFunctionTool(com.openai.models.FunctionDefinition.builder().name("get_weather").parameters(params).build())
                .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        var call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).startsWith("{");
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    }

    // ---- the official OpenAI Java client, unchanged ----

    static OpenAIClient openai() {
        return OpenAiSdk.client(node.url(), Duration.ofSeconds(30));
    }

    @Test
    void openai_java_chat_gets_the_answer_and_the_verity_receipt() throws Exception {
        OpenAIClient client = openai();
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addSystemMessage("be brief").addUserMessage("Hello").temperature(0).maxCompletionTokens(12).build());
        String content = c.choices().get(0).message().content().orElseThrow();
        assertThat(content).hasSize(12);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(12);
        JsonNode verity = OpenAiSdk.tree(c._additionalProperties().get("verity"));
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "");
        assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(receipt.receipt().node()).isEqualTo(node.address());
        // the same request over plain HTTP has the same answer and digests
        JsonNode plain = JSON.readTree(post("/v1/chat/completions", "{\"model\":\"tiny-llama\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"Hello\"}],"
                + "\"temperature\":0,\"max_completion_tokens\":12}").body());
        assertThat(plain.at("/choices/0/message/content").asText()).isEqualTo(content);
        assertThat(plain.at("/verity/responseDigest").asText()).isEqualTo(verity.get("responseDigest").asText());
    }

    @Test
    void openai_java_streaming_adds_up_and_its_last_chunk_carries_the_receipt() throws Exception {
        OpenAIClient client = openai();
        OpenAiSdk.Streamed streamed = OpenAiSdk.stream(client, ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Hello").temperature(0).maxCompletionTokens(10).build());
        assertThat(streamed.content()).hasSize(10);
        ChatCompletionChunk last = streamed.last();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(10);
        JsonNode verity = streamed.verity();
        assertThat(ReceiptJson.read(verity.get("receipt"), "").verify()).isInstanceOf(ReceiptVerdict.Verified.class);
    }

    @Test
    void openai_java_sees_errors_as_its_own_exceptions_with_param_and_code() {
        OpenAIClient client = openai();
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("nope")
                .addUserMessage("x").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.code()).contains("model_not_found");
                    assertThat(e.param()).contains("model");
                });
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("x").temperature(5).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("temperature"));
    }

    @Test
    void n_choices_run_with_consecutive_seeds_so_each_reproduces_alone_streamed_or_not() throws Exception {
        String two = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"temperature\":0.9,\"seed\":7,\"max_tokens\":10,\"n\":2%s}";
        String req = two.formatted("");
        JsonNode body = JSON.readTree(post("/v1/chat/completions", req).body());
        assertThat(body.get("choices")).hasSize(2);
        assertThat(body.at("/choices/1/index").asInt()).isEqualTo(1);
        assertThat(body.at("/verity/applied/n").asInt()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            JsonNode alone = JSON.readTree(post("/v1/chat/completions", req.replace("\"n\":2", "\"n\":1")
                    .replace("\"seed\":7", "\"seed\":" + (7 + i))).body());
            assertThat(body.at("/choices/" + i + "/message/content")).isEqualTo(alone.at("/choices/0/message/content"));
        }
        assertThat(body.at("/choices/0/message/content")).isNotEqualTo(body.at("/choices/1/message/content"));
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(20);
        SignedReceipt receipt = checkVerity("/v1/chat/completions", req, body);
        assertThat(receipt.receipt().price()).isEqualTo(PRICE_PER_TOKEN.multiply(BigInteger.valueOf(
                body.at("/usage/total_tokens").asInt())));
        // streamed: chunks name their choice; rebuilt per index they give the same response digest
        HttpResponse<String> r = post("/v1/chat/completions", two.formatted(",\"stream\":true"));
        List<JsonNode> chunks = new ArrayList<>();
        for (String l : r.body().lines().filter(l -> l.startsWith("data: {")).toList()) chunks.add(JSON.readTree(l.substring(6)));
        assertThat(chunks).anySatisfy(ch -> assertThat(ch.at("/choices/0/index").asInt()).isEqualTo(1));
        checkStreamMatches(chunks, body);
    }

    /** The stream's receipt chunk against the unstreamed answer of the same request. */
    static void checkStreamMatches(List<JsonNode> chunks, JsonNode plain) {
        JsonNode rebuilt = ChatDigests.answerFromChunks(chunks, true);
        assertThat(rebuilt.get("choices")).hasSize(plain.get("choices").size());
        assertThat(ChatDigests.response(rebuilt).toHex()).isEqualTo(plain.at("/verity/responseDigest").asText());
        assertThat(chunks.getLast().at("/verity/responseDigest")).isEqualTo(plain.at("/verity/responseDigest"));
    }

    @Test
    void openai_java_lists_the_models() {
        assertThat(openai().models().list().data()).anySatisfy(m -> assertThat(m.id()).isEqualTo(MODEL));
    }

}
