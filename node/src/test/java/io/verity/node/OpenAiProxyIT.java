package io.verity.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.InternalServerException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.verity.llm.ChatDigests;
import io.verity.llm.LlmEngine;
import io.verity.node.fixture.LlmNodes;
import io.verity.node.fixture.OpenAiSdk;
import io.verity.node.fixture.TinyLlmNode;
import io.verity.node.hub.ModelHub;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.ReceiptJson;
import io.verity.protocol.receipt.ReceiptVerdict;
import io.verity.protocol.receipt.SignedReceipt;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider proxy mode against a real OpenAI-compatible upstream: a second Verity node serving the tiny GGUF
 * through llama.cpp, which requires an API key. The proxy node forwards, passes the answer through and signs
 * its own receipt; clients are plain HTTP and the official openai-java client.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiProxyIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String UPSTREAM_KEY = "sk-upstream-0123456789abcdef";
    static final String WRONG_KEY = "sk-wrong-key-fedcba9876543210";
    static final BigInteger IN_PRICE = BigInteger.valueOf(3), OUT_PRICE = BigInteger.valueOf(5);
    @RegisterExtension static final TinyLlmNode upstream = TinyLlmNode.of(
            LlmEngine.Options.defaults(2, Path.of("target", "openai-proxy-it-llama.log")),
            c -> c.withOpenAi(OpenAiSettings.NONE.withRequiredKey(new OpenAiSettings.ApiKey(UPSTREAM_KEY))));
    @TempDir static Path home; // the proxies'
    @AutoClose static final HttpClient http = HttpClient.newHttpClient();
    static InferenceNode proxy;
    static InferenceNode wrongKey;

    @BeforeAll
    static void start() throws Exception {
        proxy = InferenceNode.start(proxyConfig("proxy", upstream.url() + "/v1", UPSTREAM_KEY)
                .withAttestation(NodeEvidence.read(NodeAttestationIT.N1, List.of())));
        wrongKey = InferenceNode.start(proxyConfig("wrong-key", upstream.url() + "/v1", WRONG_KEY));
    }

    static NodeConfig proxyConfig(String name, String url, String key) {
        return NodeConfig.defaults(home.resolve(name)).withPrice(BigInteger.valueOf(1000)).withOpenAi(OpenAiSettings.NONE
                .withUpstream(new OpenAiSettings.Upstream(URI.create(url), Optional.of(new OpenAiSettings.ApiKey(key)),
                        Map.of("proxied", "tiny-llama"), Duration.ofSeconds(20)))
                .withTokenPrices(new OpenAiSettings.TokenPrices(IN_PRICE, OUT_PRICE)));
    }

    /** A keyless proxy to a listener on {@code upstream} that gives up on it after 800 ms. */
    static InferenceNode proxyWithTimeout(String name, java.net.ServerSocket upstream) throws java.io.IOException {
        return InferenceNode.start(NodeConfig.defaults(home.resolve(name)).withOpenAi(OpenAiSettings.NONE.withUpstream(
                new OpenAiSettings.Upstream(URI.create("http://127.0.0.1:" + upstream.getLocalPort() + "/v1"),
                        Optional.empty(), Map.of("proxied", "tiny-llama"), Duration.ofMillis(800)))));
    }

    @AfterAll
    static void stop() {
        Stream.of(wrongKey, proxy).filter(java.util.Objects::nonNull).forEach(InferenceNode::close);
    }

    static HttpResponse<String> post(URI base, String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static OpenAIClient openai(InferenceNode node) {
        return OpenAiSdk.client(node.url(), Duration.ofSeconds(30));
    }

    static final String GREEDY = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],"
            + "\"temperature\":0,\"max_tokens\":12%s}";

    static SignedReceipt checkProxyReceipt(String request, JsonNode verity, JsonNode response) throws Exception {
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "/verity/receipt");
        assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(receipt.receipt().node()).isEqualTo(proxy.address());
        assertThat(receipt.receipt().engine()).isEqualTo("openai-proxy/1");
        assertThat(verity.at("/applied/upstream_model").asText()).isEqualTo("tiny-llama");
        assertThat(verity.at("/applied/upstream").asText()).isEqualTo(upstream.url() + "/v1");
        assertThat(receipt.receipt().inputsDigest()).isEqualTo(ChatDigests.request("/v1/chat/completions",
                JSON.readTree(request), verity.get("applied")));
        assertThat(receipt.receipt().outputsDigest()).isEqualTo(ChatDigests.response(response));
        JsonNode usage = response.get("usage");
        assertThat(receipt.receipt().price()).isEqualTo(IN_PRICE.multiply(BigInteger.valueOf(usage.get("prompt_tokens").asLong()))
                .add(OUT_PRICE.multiply(BigInteger.valueOf(usage.get("completion_tokens").asLong()))));
        // the proxy's evidence digest is in the receipt, as on its ONNX receipts
        assertThat(receipt.receipt().attestationDigest()).isEqualTo(Keccak256.hash(Files.readAllBytes(NodeAttestationIT.N1)));
        // receipt v2: asked for the proxy's name, served by the upstream's model as the upstream reported it
        assertThat(receipt.receipt().v2().requestedModel()).isEqualTo("proxied");
        assertThat(receipt.receipt().v2().servedModel()).isEqualTo("tiny-llama");
        assertThat(receipt.receipt().v2().provider()).isEqualTo(upstream.url() + "/v1");
        assertThat(receipt.receipt().v2().servedAsRequested()).isFalse(); // an alias is a substitution unless allowed
        assertThat(receipt.receipt().v2().promptTokens()).isEqualTo(usage.get("prompt_tokens").asLong());
        return receipt;
    }

    @Test
    void a_proxied_chat_is_the_upstreams_answer_under_the_proxys_receipt() throws Exception {
        JsonNode direct = JSON.readTree(post(upstream.url(), "/v1/chat/completions", GREEDY.formatted("tiny-llama", ""),
                UPSTREAM_KEY).body());
        String req = GREEDY.formatted("proxied", "");
        HttpResponse<String> r = post(proxy.url(), "/v1/chat/completions", req, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("model").asText()).isEqualTo("proxied");
        assertThat(body.at("/choices/0/message")).isEqualTo(direct.at("/choices/0/message"));
        assertThat(body.at("/choices/0/message/content").asText()).hasSize(12);
        assertThat(body.get("usage")).isEqualTo(direct.get("usage"));
        SignedReceipt receipt = checkProxyReceipt(req, body.get("verity"), body);
        assertThat(r.headers().firstValue("Verity-Receipt-Id")).contains(receipt.id().toHex());
        // the model digest is the one the proxy lists, and the receipt is in its log
        JsonNode models = JSON.readTree(http.send(HttpRequest.newBuilder(proxy.url().resolve("/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        JsonNode listed = Stream.of(models.get("data")).flatMap(d -> java.util.stream.StreamSupport.stream(d.spliterator(), false))
                .filter(m -> m.get("id").asText().equals("proxied")).findFirst().orElseThrow();
        assertThat(listed.get("verity_model_digest").asText()).isEqualTo(receipt.receipt().modelDigest().toHex());
        assertThat(listed.get("verity_engine").asText()).isEqualTo("openai-proxy/1");
        assertThat(http.send(HttpRequest.newBuilder(proxy.url().resolve("/v1/receipts/" + receipt.id().toHex())).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        // the proxy with evidence still serves it, unchanged by proxy mode
        assertThat(http.send(HttpRequest.newBuilder(proxy.url().resolve("/v1/attestation")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void legacy_completions_are_proxied_too() throws Exception {
        String req = "{\"model\":\"proxied\",\"prompt\":\"Once upon\",\"temperature\":0,\"max_tokens\":6}";
        HttpResponse<String> r = post(proxy.url(), "/v1/completions", req, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.at("/choices/0/text").asText()).hasSize(6);
        SignedReceipt receipt = ReceiptJson.read(body.at("/verity/receipt"), "");
        assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(receipt.receipt().inputsDigest()).isEqualTo(ChatDigests.request("/v1/completions", JSON.readTree(req),
                body.at("/verity/applied")));
        assertThat(receipt.receipt().outputsDigest()).isEqualTo(ChatDigests.response(body));
    }

    @Test
    void openai_java_streams_through_the_proxy_and_the_last_chunk_carries_the_proxys_receipt() throws Exception {
        String plain = JSON.readTree(post(upstream.url(), "/v1/chat/completions", GREEDY.formatted("tiny-llama", ""),
                UPSTREAM_KEY).body()).at("/choices/0/message/content").asText();
        OpenAiSdk.Streamed streamed = OpenAiSdk.stream(openai(proxy), ChatCompletionCreateParams.builder().model("proxied")
                .addUserMessage("Hello").temperature(0).maxCompletionTokens(12).build());
        assertThat(streamed.content()).isEqualTo(plain);
        assertThat(streamed.chunks().size()).isGreaterThan(12); // passed through token by token, not buffered into one
        ChatCompletionChunk last = streamed.last();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(12);
        JsonNode verity = streamed.verity();
        // a stranger rebuilds the answer from the chunks and recomputes the signed digest
        List<JsonNode> raw = new ArrayList<>();
        for (ChatCompletionChunk ch : streamed.chunks()) raw.add(OpenAiSdk.tree(ch));
        JsonNode whole = ChatDigests.answerFromChunks(raw, true);
        SignedReceipt receipt = ReceiptJson.read(verity.get("receipt"), "");
        assertThat(receipt.verify()).isInstanceOf(ReceiptVerdict.Verified.class);
        assertThat(receipt.receipt().outputsDigest()).isEqualTo(ChatDigests.response(whole));
        assertThat(receipt.receipt().engine()).isEqualTo("openai-proxy/1");
    }

    static final String WEATHER = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":6}},\"required\":[\"city\"]}}}";

    @Test
    void tool_calls_pass_through_streamed_or_not() throws Exception {
        String req = "{\"model\":\"proxied\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}],\"temperature\":0,"
                + "\"max_tokens\":200,\"tools\":[" + WEATHER + "],\"tool_choice\":\"required\"%s}";
        JsonNode body = JSON.readTree(post(proxy.url(), "/v1/chat/completions", req.formatted(""), null).body());
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = body.at("/choices/0/message/tool_calls/0");
        assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(JSON.readTree(call.at("/function/arguments").asText()).has("city")).isTrue();
        checkProxyReceipt(req.formatted(""), body.get("verity"), body);

        HttpResponse<String> r = post(proxy.url(), "/v1/chat/completions", req.formatted(",\"stream\":true"), null);
        List<JsonNode> chunks = new ArrayList<>();
        for (String l : r.body().lines().filter(l -> l.startsWith("data: {")).toList()) chunks.add(JSON.readTree(l.substring(6)));
        assertThat(r.body().strip()).endsWith("data: [DONE]");
        JsonNode whole = ChatDigests.answerFromChunks(chunks, true);
        assertThat(whole.at("/choices/0/message/tool_calls/0/function")).isEqualTo(call.get("function"));
        assertThat(chunks.getLast().at("/verity/responseDigest").asText()).isEqualTo(ChatDigests.response(whole).toHex());

        // openai-java sees the forwarded call as its own type
        ChatCompletion c = openai(proxy).chat().completions().create(ChatCompletionCreateParams.builder().model("proxied")
                .addUserMessage("Weather in Paris?").temperature(0).maxCompletionTokens(200)
                .addFunctionTool(com.openai.models.FunctionDefinition.builder().name("get_weather")
                        .parameters(com.openai.models.FunctionParameters.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("city",
                                        Map.of("type", "string", "maxLength", 6))))
                                .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build()).build())
                .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        assertThat(c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction().function().name())
                .isEqualTo("get_weather");
    }

    @Test
    void n_choices_stream_through_and_rebuild_per_index() throws Exception {
        String req = "{\"model\":\"proxied\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":0.8,"
                + "\"seed\":11,\"max_tokens\":8,\"n\":2%s}";
        JsonNode plain = JSON.readTree(post(proxy.url(), "/v1/chat/completions", req.formatted(""), null).body());
        assertThat(plain.get("choices")).hasSize(2);
        checkProxyReceipt(req.formatted(""), plain.get("verity"), plain);
        HttpResponse<String> r = post(proxy.url(), "/v1/chat/completions", req.formatted(",\"stream\":true"), null);
        List<JsonNode> chunks = new ArrayList<>();
        for (String l : r.body().lines().filter(l -> l.startsWith("data: {")).toList()) chunks.add(JSON.readTree(l.substring(6)));
        JsonNode whole = ChatDigests.answerFromChunks(chunks, true);
        assertThat(whole.at("/choices/1/message/content")).isEqualTo(plain.at("/choices/1/message/content"));
        assertThat(chunks.getLast().at("/verity/responseDigest")).isEqualTo(plain.at("/verity/responseDigest"));
    }

    @Test
    void an_upstream_401_is_a_502_that_says_so_without_the_key_and_no_receipt() throws Exception {
        HttpResponse<String> r = post(wrongKey.url(), "/v1/chat/completions", GREEDY.formatted("proxied", ""), null);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).doesNotContain(WRONG_KEY).doesNotContain(UPSTREAM_KEY).doesNotContain("\"verity\"");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.at("/error/code").asText()).isEqualTo("upstream_unauthorized");
        assertThat(body.at("/error/message").asText()).contains("401");
        assertThat(body.get("type").asText()).isEqualTo("urn:verity:problem:upstream-failed");
        // the same, streamed: the error comes before any stream starts
        HttpResponse<String> s = post(wrongKey.url(), "/v1/chat/completions", GREEDY.formatted("proxied", ",\"stream\":true"), null);
        assertThat(s.statusCode()).isEqualTo(502);
        assertThatThrownBy(() -> openai(wrongKey).chat().completions().create(ChatCompletionCreateParams.builder()
                .model("proxied").addUserMessage("x").build()))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(502);
                    assertThat(e.code()).contains("upstream_unauthorized");
                });
        // and the upstream itself refuses a missing key with its own 401
        HttpResponse<String> u = post(upstream.url(), "/v1/chat/completions", GREEDY.formatted("tiny-llama", ""), null);
        assertThat(u.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(u.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
    }

    @Test
    void upstream_request_errors_come_back_as_400s_and_an_unreachable_upstream_as_a_502() throws Exception {
        HttpResponse<String> r = post(proxy.url(), "/v1/chat/completions", GREEDY.formatted("proxied", ",\"top_p\":7"), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/param").asText()).isEqualTo("top_p");
        assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("upstream_rejected");
        // fields the node leaves to the upstream, which refuses them by name
        HttpResponse<String> lp = post(proxy.url(), "/v1/chat/completions", GREEDY.formatted("proxied", ",\"logprobs\":true"), null);
        assertThat(lp.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(lp.body()).at("/error/param").asText()).isEqualTo("logprobs");
        int closedPort;
        try (var socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (InferenceNode nowhere = InferenceNode.start(proxyConfig("nowhere", "http://127.0.0.1:" + closedPort + "/v1", "sk-x"))) {
            HttpResponse<String> n = post(nowhere.url(), "/v1/chat/completions", GREEDY.formatted("proxied", ""), null);
            assertThat(n.statusCode()).isEqualTo(502);
            assertThat(JSON.readTree(n.body()).at("/error/code").asText()).isEqualTo("upstream_unreachable");
        }
    }

    @Test
    void an_upstream_that_never_answers_is_a_504_after_the_timeout() throws Exception {
        // A listener that accepts and says nothing: the one failure a real node will not do on request.
        try (var silent = new java.net.ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress());
                InferenceNode p = proxyWithTimeout("silent-proxy", silent)) {
            HttpResponse<String> r = post(p.url(), "/v1/chat/completions", GREEDY.formatted("proxied", ""), null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.at("/error/code").asText()).isEqualTo("upstream_timeout");
            assertThat(body.at("/error/message").asText()).contains("800 ms");
        }
    }

    @Test
    void an_upstream_that_stalls_mid_stream_ends_the_stream_with_an_error_after_the_timeout() throws Exception {
        // Headers and one chunk, then silence, with the connection held open.
        try (var stalling = new java.net.ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress());
                InferenceNode p = proxyWithTimeout("stalled-proxy", stalling)) {
            Thread server = Thread.ofVirtual().start(() -> {
                try (var s = stalling.accept()) {
                    s.getInputStream().read(new byte[8192]);
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                    Thread.sleep(10_000);
                } catch (Exception e) {
                    // the proxy hung up on us: what this test wants
                }
            });
            HttpResponse<String> r = post(p.url(), "/v1/chat/completions", GREEDY.formatted("proxied", ",\"stream\":true"), null);
            server.interrupt();
            List<String> events = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
            assertThat(JSON.readTree(events.get(0)).at("/choices/0/delta/content").asText()).isEqualTo("Hi");
            JsonNode err = JSON.readTree(events.get(1));
            assertThat(err.at("/error/code").asText()).isEqualTo("upstream_stream_failed");
            assertThat(err.at("/error/message").asText()).contains("sent nothing for 800 ms");
            assertThat(events.getLast()).isEqualTo("[DONE]");
            assertThat(events).hasSize(3);
        }
    }

    @Test
    void an_upstream_killed_mid_stream_ends_the_stream_with_an_error_event_and_no_receipt() throws Exception {
        Path upHome = home.resolve("killed");
        new ModelHub(upHome.resolve("models")).add(upstream.gguf(), "tiny-llama", "1", "Apache-2.0", "generated");
        NodeProcess upNode = NodeProcess.start(Map.of(), "--home", upHome.toString(), "--port", "0");
        Process up = upNode.process();
        try {
            try (InferenceNode p = InferenceNode.start(NodeConfig.defaults(home.resolve("proxy-of-killed")).withOpenAi(
                    OpenAiSettings.NONE.withUpstream(new OpenAiSettings.Upstream(URI.create(upNode.url() + "/v1"),
                            Optional.empty(), Map.of("proxied", "tiny-llama"), Duration.ofSeconds(20)))))) {
                String req = "{\"model\":\"proxied\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"temperature\":0,"
                        + "\"max_tokens\":4000,\"stream\":true}";
                HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(p.url().resolve("/v1/chat/completions"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(req)).build(),
                        HttpResponse.BodyHandlers.ofLines());
                assertThat(r.statusCode()).isEqualTo(200);
                List<JsonNode> events = new ArrayList<>();
                boolean done = false;
                var it = r.body().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).iterator();
                while (it.hasNext()) {
                    String data = it.next();
                    if (data.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    events.add(JSON.readTree(data));
                    if (events.size() == 3) {
                        up.destroyForcibly(); // SIGKILL: the upstream vanishes mid-answer
                        assertThat(up.waitFor(10, TimeUnit.SECONDS)).isTrue();
                    }
                }
                assertThat(done).isTrue();
                assertThat(events.size()).isGreaterThan(3);
                JsonNode last = events.getLast();
                assertThat(last.at("/error/code").asText()).isEqualTo("upstream_stream_failed");
                assertThat(last.at("/error/type").asText()).isEqualTo("server_error");
                assertThat(events).noneSatisfy(e -> assertThat(e.has("verity")).isTrue());
            }
        } finally {
            up.destroyForcibly();
        }
    }
}
