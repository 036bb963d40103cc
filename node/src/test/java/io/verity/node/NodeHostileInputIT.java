package io.verity.node;

import static io.verity.testing.HostileInferContract.pointer;
import static io.verity.testing.HostileInferContract.postInfer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.http.HttpLimits;
import io.verity.node.fixture.VadNode;
import io.verity.testing.HostileInferContract;
import io.verity.testing.HostileRequests;
import io.verity.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, items 3 and 7: what a hostile stranger sends to a node's {@code POST /v1/infer}, over a raw socket
 * where {@code java.net.http} would refuse to send it. Each is a 4xx problem naming the place (never a 500,
 * never an answer larger than a few kilobytes), and the node serves a good request afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeHostileInputIT implements HostileInferContract {
    @RegisterExtension static final VadNode node = VadNode.of();
    /** One inference at a time, so holding one makes the next a 429. */
    @RegisterExtension static final VadNode gated = VadNode.of(c -> c.withHttp(HttpLimits.DEFAULT.withMaxConcurrent(1)
            .withRetryAfter(Duration.ofSeconds(3))));
    /** Small idle timeout and a minimum data rate, so a trickling client is cut off quickly. */
    @RegisterExtension static final VadNode strict = VadNode.of(c -> c.withHttp(HttpLimits.DEFAULT.withMinDataRate(100)
            .withIdleTimeout(Duration.ofSeconds(2))));
    final HttpClient http = HttpClient.newHttpClient();

    @AfterAll
    void stop() {
        http.close();
    }

    /** After every hostile input the node still answers a good inference. */
    @AfterEach
    void still_serves() throws Exception {
        for (VadNode n : new VadNode[] {node, strict}) {
            var r = NodeFixture.post(http, n.url(), "/v1/infer", NodeFixture.vadRequest(null), "application/json");
            assertThat(r.status()).as(r.body() == null ? "" : r.body().toString()).isEqualTo(200);
        }
    }

    @Override
    public Servers servers() {
        return new Servers(node.url(), strict.url());
    }

    /** Every server's problem, plus the node's own members: status, source "request", not retryable, no home path. */
    @Override
    public JsonNode problem(RawHttp.Response r, int status, String slug) throws IOException {
        JsonNode p = HostileInferContract.problemOf(r, status, slug);
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("source").asText()).isEqualTo("request");
        assertThat(p.get("retryable").asBoolean()).isFalse();
        assertThat(r.text()).doesNotContain(node.home().toString());
        return p;
    }

    byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void trailing_garbage_is_a_400_for_the_whole_document() throws Exception {
        JsonNode p = problem(postInfer(node.url(), utf8(NodeFixture.vadRequest(null) + " x"), "application/json"), 400, "malformed-json");
        assertThat(pointer(p)).isEmpty();
    }

    @Test
    void two_documents_are_a_400() throws Exception {
        String one = NodeFixture.vadRequest(null);
        JsonNode p = problem(postInfer(node.url(), utf8(one + one), "application/json"), 400, "malformed-json");
        assertThat(pointer(p)).isEmpty();
        assertThat(p.get("detail").asText()).containsIgnoringCase("trailing");
    }

    @Test
    void duplicate_keys_are_a_400_naming_the_member() throws Exception {
        String body = "{\"model\":\"silero-vad\",\"model\":\"other\"," + NodeFixture.vadRequest(null).substring(1);
        JsonNode p = problem(postInfer(node.url(), utf8(body), "application/json"), 400, "malformed-json");
        assertThat(p.get("detail").asText()).contains("model");
    }

    @Test
    void overlong_utf8_is_a_400_not_a_slash() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(utf8("{\"model\":\"silero-vad"));
        b.writeBytes(new byte[] {(byte) 0xc0, (byte) 0xaf});
        b.writeBytes(utf8("\",\"inputs\":[]}"));
        JsonNode p = problem(postInfer(node.url(), b.toByteArray(), "application/json"), 400, "malformed-json");
        assertThat(pointer(p)).isEmpty();
        assertThat(p.get("detail").asText()).contains("UTF-8");
    }

    @Test
    void a_lone_surrogate_is_a_400_pointing_at_the_field() throws Exception {
        JsonNode p = problem(postInfer(node.url(), utf8("{\"model\":\"\\ud800\",\"inputs\":[]}"), "application/json"), 400,
                "malformed-json");
        assertThat(pointer(p)).isEqualTo("/model");
    }

    @Test
    void text_plain_and_a_missing_content_type_are_415() throws Exception {
        problem(postInfer(node.url(), utf8(NodeFixture.vadRequest(null)), "text/plain"), 415, "unsupported-media-type");
        byte[] body = utf8(NodeFixture.vadRequest(null));
        var r = RawHttp.exchange(node.url(), RawHttp.head("POST", node.url(), "/v1/infer", "Content-Length: " + body.length), body);
        problem(r, 415, "unsupported-media-type");
        // every POST, also the OpenAI routes and vouchers, with OpenAI's error object where OpenAI clients read it
        byte[] chat = utf8("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        var c = RawHttp.exchange(node.url(), RawHttp.head("POST", node.url(), "/v1/chat/completions", "Content-Type: text/plain",
                "Content-Length: " + chat.length), chat);
        assertThat(problem(c, 415, "unsupported-media-type").get("error").get("code").asText()).isEqualTo("unsupported-media-type");
        var v = RawHttp.exchange(node.url(), RawHttp.head("POST", node.url(), "/v1/vouchers", "Content-Type: text/plain",
                "Content-Length: 2"), utf8("{}"));
        problem(v, 415, "unsupported-media-type");
    }

    @Test
    void a_malformed_chunked_body_is_a_400_not_a_500() throws Exception {
        var r = HostileRequests.malformedChunks(node.url(), "/v1/infer");
        assertThat(r.status()).as(r.text()).isEqualTo(400);
        assertThat(r.text()).doesNotContain("\tat ", "Exception");
    }

    @Test
    void a_body_shorter_than_its_content_length_is_a_400() throws Exception {
        problem(HostileRequests.truncated(node.url(), "/v1/infer", "{\"model\":\"silero-vad\""), 400, "malformed-request");
    }

    @Test
    void beyond_the_concurrency_limit_is_a_429_with_retry_after() throws Exception {
        String head = RawHttp.head("POST", gated.url(), "/v1/infer", "Content-Type: application/json", "Content-Length: 100");
        try (RawHttp holder = RawHttp.connect(gated.url(), Duration.ofSeconds(30))) {
            holder.send(utf8(head + "{")); // holds the one permit while the node waits for the rest
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> postInfer(gated.url(),
                    utf8(NodeFixture.vadRequest(null)), "application/json").status() == 429);
            RawHttp.Response r = postInfer(gated.url(), utf8(NodeFixture.vadRequest(null)), "application/json");
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.headers().get("retry-after")).isEqualTo("3");
            JsonNode p = NodeFixture.JSON.readTree(r.body());
            assertThat(p.get("type").asText()).isEqualTo("urn:verity:problem:rate-limited");
            assertThat(p.get("source").asText()).isEqualTo("node");
            assertThat(p.get("retryable").asBoolean()).isTrue();
            // the request threads are bounded (NodeApi.requestThreads), with room beyond the inference permits
            var health = NodeFixture.get(http, gated.url(), "/health");
            assertThat(health.status()).isEqualTo(200);
        }
        // the permit comes back once the holder is gone
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> postInfer(gated.url(),
                utf8(NodeFixture.vadRequest(null)), "application/json").status() == 200);
    }

    @Test
    void an_unknown_model_names_no_directory_of_the_node() throws Exception {
        var r = postInfer(node.url(), utf8(NodeFixture.vadRequest(null).replace("silero-vad", "nope")), "application/json");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).doesNotContain(node.home().toString()).contains("no model 'nope' on this node");
        JsonNode p = NodeFixture.JSON.readTree(r.body());
        assertThat(p.get("source").asText()).isEqualTo("node");
        assertThat(p.get("retryable").asBoolean()).isTrue();
        var none = RawHttp.exchange(node.url(), RawHttp.head("GET", node.url(), "/static/../../etc/passwd"), new byte[0]);
        assertThat(none.status()).isIn(400, 404);
        assertThat(none.text()).doesNotContain(node.home().toString(), "\tat ");
    }

    @Test
    void a_request_jetty_refuses_before_any_route_shows_no_internals() throws Exception {
        for (String raw : new String[] {"GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{}",
                "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\nConnection: close\r\n\r\n"}) {
            var r = RawHttp.exchange(node.url(), "", raw.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(r.status()).as(r.text()).isBetween(400, 499);
            assertThat(r.text()).doesNotContain("\tat ", "Exception", "org.eclipse", "jetty", node.home().toString());
            assertThat(r.headers().get("content-type")).startsWith("application/problem+json");
            assertThat(NodeFixture.JSON.readTree(r.body()).get("source").asText()).isEqualTo("request");
        }
    }
}
