package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.llm.LlmEngine;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.TinyLlmNode;
import io.verity.testing.Processes;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, items 1-3, against a real node and llama.cpp on the tiny GGUF: each poison request the issue found
 * (and others like them) gets a 4xx naming the field, marked as the request's fault so no gateway retries it
 * elsewhere, and the same worker then answers a normal chat; a worker killed from outside gives 503 (the
 * engine's fault, retryable) while /health and /v1/models say it is restarting, and serves again after; a worker
 * that hangs on a request is killed after the stall limit and that request is answered like one that crashed it.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiPoisonIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Workers hang after the first token of a prompt with this (test-only hook, LlamaWorker.STALL_ON). */
    static final String HANG = "verity-openai-poison-it-hang";

    static {
        System.setProperty("verity.llm.test.stallOn", HANG); // before the node starts its worker
    }

    // a backoff long enough that "restarting" is observable (ten of Awaitility's 100 ms polls), short enough that
    // the class's three worker deaths do not wait 3 + 6 + 6 s; a short stall limit
    @RegisterExtension static final TinyLlmNode node = TinyLlmNode.of(LlmEngine.Options.defaults(1,
            Path.of("target", "openai-poison-it-llama.log")).withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2))
            .withStallLimit(Duration.ofSeconds(2)));
    @AutoClose static final HttpClient http = HttpClient.newHttpClient();

    static HttpResponse<String> post(String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.url().resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) b.header("Content-Type", contentType);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String body) throws Exception {
        return post("application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode get(String path) throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(node.url().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    static final String CHAT = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8,"
            + "\"temperature\":0%s}";

    static String schema(String s) {
        return CHAT.formatted(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":" + s + "}}");
    }

    static String forcedTool(String parameters) {
        return CHAT.formatted(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":" + parameters
                + "}}],\"tool_choice\":\"required\"");
    }

    record Poison(String name, String contentType, byte[] body, int status, String param) {
        Poison(String name, String body, int status, String param) {
            this(name, "application/json", body.getBytes(StandardCharsets.UTF_8), status, param);
        }
    }

    @Test
    void every_poison_request_is_a_4xx_of_the_requests_fault_and_the_same_worker_answers_next() throws Exception {
        LlmNodes.awaitUp(node.engine()); // after another test's kill
        long pid = node.engine().workerPid().orElseThrow();
        long restarts = node.engine().restarts();
        String longPrompt = "x".repeat(3000); // the tiny model's context is 1024 tokens, one per byte
        List<Poison> poisons = List.of(
                new Poison("unknown type", schema("{\"type\":\"nonsense\"}"), 400, "response_format.json_schema.schema.type"),
                new Poison("huge minLength", schema("{\"type\":\"string\",\"minLength\":2000000000}"), 400,
                        "response_format.json_schema.schema.minLength"),
                new Poison("unresolvable $ref", schema("{\"$ref\":\"#/$defs/nowhere\"}"), 400,
                        "response_format.json_schema.schema.$ref"),
                new Poison("recursive $ref", schema("{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{\"type\":\"array\",\"items\":"
                        + "{\"$ref\":\"#/$defs/a\"}}}}"), 400, "response_format.json_schema.schema.$ref"),
                new Poison("malformed pattern", schema("{\"type\":\"string\",\"pattern\":\"^(a$\"}"), 400,
                        "response_format.json_schema.schema.pattern"),
                new Poison("schema without a type", schema("{\"description\":\"x\"}"), 400, "response_format.json_schema.schema"),
                new Poison("tool parameters", forcedTool("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"nonsense\"}}}"), 400,
                        "tools[0].function.parameters.properties.a.type"),
                new Poison("tool parameters $ref", forcedTool("{\"$ref\":\"#/$defs/p\",\"$defs\":{\"p\":{\"type\":\"object\"}}}"), 400,
                        "tools[0].function.parameters.$ref"),
                new Poison("lone surrogate", "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}]}", 400,
                        "messages[0].content"),
                new Poison("duplicate key", "{\"model\":\"tiny-llama\",\"model\":\"x\",\"messages\":[]}", 400, null),
                new Poison("trailing garbage", CHAT.formatted("") + "{}", 400, null),
                new Poison("no content type", null, CHAT.formatted("").getBytes(StandardCharsets.UTF_8), 415, null),
                new Poison("text/plain", "text/plain", CHAT.formatted("").getBytes(StandardCharsets.UTF_8), 415, null),
                new Poison("overlong UTF-8 bytes", "application/json", overlong(), 400, null),
                new Poison("prompt beyond the context", CHAT.formatted("").replace("\"Hi\"", "\"" + longPrompt + "\""), 400, "messages"),
                new Poison("prompt beyond the context, streamed", CHAT.formatted(",\"stream\":true").replace("\"Hi\"",
                        "\"" + longPrompt + "\""), 400, "messages"));
        for (Poison p : poisons) {
            HttpResponse<String> r = post(p.contentType(), p.body());
            assertThat(r.statusCode()).as(p.name() + ": " + r.body()).isEqualTo(p.status());
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.at("/error/message").asText()).as(p.name()).isNotBlank();
            assertThat(body.get("status").asInt()).as(p.name()).isEqualTo(p.status());
            assertThat(body.get("source").asText()).as(p.name()).isEqualTo("request");
            assertThat(body.get("retryable").asBoolean()).as(p.name()).isFalse();
            if (p.param() != null) {
                assertThat(body.at("/error/param").asText()).as(p.name() + ": " + r.body()).isEqualTo(p.param());
                assertThat(body.at("/errors/0/pointer").asText()).as(p.name()).startsWith("/");
            }
            // no worker died: the same process answers a normal chat
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as(p.name()).isTrue();
        }
        HttpResponse<String> ok = post(CHAT.formatted(""));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(node.engine().workerPid().orElseThrow()).isEqualTo(pid);
        assertThat(node.engine().restarts()).isEqualTo(restarts);
    }

    /** {@code {"model":"\xc0\xaf"}}: "/" in overlong UTF-8. */
    static byte[] overlong() {
        byte[] head = "{\"model\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + 4];
        System.arraycopy(head, 0, out, 0, head.length);
        out[head.length] = (byte) 0xc0;
        out[head.length + 1] = (byte) 0xaf;
        out[head.length + 2] = '"';
        out[head.length + 3] = '}';
        return out;
    }

    @Test
    void a_worker_killed_mid_stream_ends_the_answer_with_an_engine_error_event_that_may_be_retried() throws Exception {
        long pid = node.engine().workerPid().orElseThrow();
        HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(node.url().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        CHAT.formatted(",\"stream\":true").replace("\"max_tokens\":8", "\"max_tokens\":4096"))).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode last = null;
        for (String line : (Iterable<String>) r.body()::iterator) {
            if (!line.startsWith("data: {")) continue;
            JsonNode e = JSON.readTree(line.substring(6));
            if (last == null) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // the first event: kill it
            last = e;
        }
        assertThat(last.get("status").asInt()).as("%s", last).isEqualTo(503);
        assertThat(last.get("source").asText()).isEqualTo("engine");
        assertThat(last.get("retryable").asBoolean()).isTrue();
        assertThat(last.at("/error/code").asText()).isEqualTo("engine_failed");
        assertThat(last.has("verity")).isFalse(); // no receipt for a broken answer
        LlmNodes.awaitUp(node.engine());
    }

    @Test
    void a_worker_that_hangs_mid_stream_is_killed_and_the_request_is_the_requests_fault_then_refused_at_once() throws Exception {
        LlmNodes.awaitUp(node.engine()); // after another test's kill
        long pid = node.engine().workerPid().orElseThrow();
        String hang = CHAT.formatted(",\"stream\":true").replace("\"Hi\"", "\"" + HANG + "\"");
        HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(node.url().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(hang)).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode last = null;
        for (String line : (Iterable<String>) r.body()::iterator) {
            if (line.startsWith("data: {")) last = JSON.readTree(line.substring(6));
        }
        // the answer ends (no hang) with the request's fault: a gateway carries it to no other node
        assertThat(last.get("status").asInt()).as("%s", last).isEqualTo(400);
        assertThat(last.get("source").asText()).isEqualTo("request");
        assertThat(last.get("retryable").asBoolean()).isFalse();
        assertThat(last.at("/error/code").asText()).isEqualTo("request_crashes_engine");
        assertThat(last.at("/error/message").asText()).contains("hung on this request");
        assertThat(last.has("verity")).isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        LlmNodes.awaitUp(node.engine());
        long second = node.engine().workerPid().orElseThrow();
        assertThat(second).isNotEqualTo(pid);
        // the same request again: refused at once, the new worker untouched
        HttpResponse<String> again = post(CHAT.formatted("").replace("\"Hi\"", "\"" + HANG + "\""));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(400);
        assertThat(JSON.readTree(again.body()).at("/error/code").asText()).isEqualTo("request_crashes_engine");
        HttpResponse<String> ok = post(CHAT.formatted(""));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(node.engine().workerPid().orElseThrow()).isEqualTo(second);
    }

    @Test
    void a_killed_worker_answers_503_of_the_engine_while_health_and_models_say_restarting_then_serves_again() throws Exception {
        long pid = node.engine().workerPid().orElseThrow();
        Processes.kill(pid);
        await().atMost(Duration.ofSeconds(10)).until(() -> !"up".equals(get("/health").at("/llms/tiny-llama/state").asText()));
        JsonNode health = get("/health");
        assertThat(health.get("status").asText()).isEqualTo("degraded");
        assertThat(health.at("/llms/tiny-llama/state").asText()).isIn("restarting", "failed");
        assertThat(get("/v1/models").at("/data/0/verity_state").asText()).isIn("restarting", "failed");
        HttpResponse<String> r = post(CHAT.formatted(""));
        if (r.statusCode() != 200) { // (unless the restart already finished)
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.get("source").asText()).isEqualTo("engine");
            assertThat(body.get("retryable").asBoolean()).isTrue();
            assertThat(body.at("/error/code").asText()).isEqualTo("engine_failed");
            assertThat(r.headers().firstValue("Retry-After")).contains("1");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> "up".equals(get("/health").at("/llms/tiny-llama/state").asText()));
        assertThat(get("/health").get("status").asText()).isEqualTo("ok");
        assertThat(get("/v1/models").at("/data/0/verity_state").asText()).isEqualTo("up");
        assertThat(node.engine().workerPid().orElseThrow()).isNotEqualTo(pid);
        HttpResponse<String> ok = post(CHAT.formatted(""));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    }
}
