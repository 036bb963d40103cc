package io.verity.gateway;

import static io.verity.testing.HostileInferContract.pointer;
import static io.verity.testing.HostileInferContract.postInfer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.gateway.fixture.LocalNetwork;
import io.verity.http.HttpLimits;
import io.verity.node.InferenceNode;
import io.verity.testing.HostileInferContract;
import io.verity.testing.HostileRequests;
import io.verity.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, items 3 and 7, at the gateway's {@code POST /v1/infer}: each hostile input is a 4xx problem naming
 * the place, refused before any node sees it, with a small answer; the gateway serves a good request afterwards.
 * A devnet with one registered node behind three gateways: default limits, one inference at a time, and a
 * minimum data rate with a short idle timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayHostileInputIT implements HostileInferContract {
    @TempDir static Path dir;
    /** One staked node; the gateways are this class's own (three HTTP limit settings, none paying). */
    @RegisterExtension static final LocalNetwork net = LocalNetwork.builder().nodes(1).withoutGateway().build();
    InferenceNode node;
    Gateway gateway;
    Gateway gated;
    Gateway strict;

    @BeforeAll
    void start() throws Exception {
        node = net.node(1);
        Path deployment = net.chain().deploymentFile();
        gateway = start(deployment, "g", HttpLimits.DEFAULT);
        gated = start(deployment, "gated", HttpLimits.DEFAULT.withMaxConcurrent(1).withRetryAfter(Duration.ofSeconds(2)));
        strict = start(deployment, "strict", HttpLimits.DEFAULT.withMinDataRate(100).withIdleTimeout(Duration.ofSeconds(2)));
        for (Gateway g : new Gateway[] {gateway, gated, strict}) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> postInfer(g.url(), vadRequest(), "application/json").status() == 200);
        }
    }

    Gateway start(Path deployment, String name, HttpLimits limits) {
        return Gateway.start(GatewayConfig.builder(dir.resolve(name), deployment).refreshInterval(Duration.ofMillis(500))
                .http(limits).build());
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {strict, gated, gateway}) {
            try {
                if (c != null) c.close();
            } catch (Exception ignored) {
                // the rest still stop
            }
        }
    }

    /**
     * After every hostile input the gateways still answer a good inference. Awaited: the gateway, the node and
     * this test share one JVM, and a 17 MB body's garbage can make a health check time out, taking the node out
     * of routing until the next check.
     */
    @AfterEach
    void still_serves() {
        for (Gateway g : new Gateway[] {gateway, strict}) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                RawHttp.Response r = postInfer(g.url(), vadRequest(), "application/json");
                assertThat(r.status()).as(r.text()).isEqualTo(200);
            });
        }
    }

    static String vadRequest() {
        StringBuilder samples = new StringBuilder();
        for (int i = 0; i < 512; i++) samples.append(i > 0 ? "," : "").append((float) (0.5 * Math.sin(2 * Math.PI * 220 * i / 16000.0)));
        return "{\"model\":\"silero-vad\",\"inputs\":[{\"name\":\"input\",\"dtype\":\"float32\",\"shape\":[1,512],\"data\":["
                + samples + "]},{\"name\":\"state\",\"dtype\":\"float32\",\"shape\":[2,1,128],\"b64\":\""
                + java.util.Base64.getEncoder().encodeToString(new byte[2 * 128 * 4]) + "\"},"
                + "{\"name\":\"sr\",\"dtype\":\"int64\",\"shape\":[],\"data\":[16000]}]}";
    }

    @Override
    public Servers servers() {
        return new Servers(gateway.url(), strict.url());
    }

    @Test
    void trailing_garbage_and_two_documents_are_400() throws Exception {
        assertThat(pointer(problem(postInfer(gateway.url(), vadRequest() + " x", "application/json"), 400, "malformed-json"))).isEmpty();
        assertThat(pointer(problem(postInfer(gateway.url(), vadRequest() + vadRequest(), "application/json"), 400, "malformed-json"))).isEmpty();
    }

    @Test
    void duplicate_keys_are_a_400() throws Exception {
        JsonNode p = problem(postInfer(gateway.url(), "{\"model\":\"silero-vad\",\"model\":\"x\"," + vadRequest().substring(1),
                "application/json"), 400, "malformed-json");
        assertThat(p.get("detail").asText()).contains("model");
    }

    @Test
    void overlong_utf8_and_a_lone_surrogate_are_400() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("{\"model\":\"silero-vad".getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[] {(byte) 0xc0, (byte) 0xaf});
        b.writeBytes("\",\"inputs\":[]}".getBytes(StandardCharsets.UTF_8));
        assertThat(pointer(problem(postInfer(gateway.url(), b.toByteArray(), "application/json"), 400, "malformed-json"))).isEmpty();
        assertThat(pointer(problem(postInfer(gateway.url(), "{\"model\":\"\\ud800\",\"inputs\":[]}", "application/json"), 400,
                "malformed-json"))).isEqualTo("/model");
    }

    @Test
    void text_plain_and_no_content_type_are_415_on_infer_and_chat() throws Exception {
        problem(postInfer(gateway.url(), vadRequest(), "text/plain"), 415, "unsupported-media-type");
        byte[] body = vadRequest().getBytes(StandardCharsets.UTF_8);
        problem(RawHttp.exchange(gateway.url(), RawHttp.head("POST", gateway.url(), "/v1/infer", "Content-Length: " + body.length),
                body), 415, "unsupported-media-type");
        byte[] chat = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        JsonNode p = problem(RawHttp.exchange(gateway.url(), RawHttp.head("POST", gateway.url(), "/v1/chat/completions",
                "Content-Type: text/plain", "Content-Length: " + chat.length), chat), 415, "unsupported-media-type");
        assertThat(p.get("error").get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void a_malformed_chunked_body_and_a_truncated_one_are_400() throws Exception {
        RawHttp.Response chunked = HostileRequests.malformedChunks(gateway.url(), "/v1/infer");
        assertThat(chunked.status()).as(chunked.text()).isEqualTo(400);
        problem(HostileRequests.truncated(gateway.url(), "/v1/infer", "{\"model\":"), 400, "malformed-request");
    }

    @Test
    void beyond_the_concurrency_limit_is_a_429_with_retry_after() throws Exception {
        try (RawHttp holder = RawHttp.connect(gated.url(), Duration.ofSeconds(30))) {
            holder.send((RawHttp.head("POST", gated.url(), "/v1/infer", "Content-Type: application/json", "Content-Length: 100")
                    + "{").getBytes(StandardCharsets.UTF_8));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> postInfer(gated.url(), vadRequest(), "application/json").status() == 429);
            RawHttp.Response r = postInfer(gated.url(), vadRequest(), "application/json");
            JsonNode p = problem(r, 429, "rate-limited");
            assertThat(r.headers().get("retry-after")).isEqualTo("2");
            assertThat(p.get("status").asInt()).isEqualTo(429);
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> postInfer(gated.url(), vadRequest(), "application/json").status() == 200);
    }

    @Test
    void a_request_the_node_refuses_comes_back_at_once_as_the_clients_problem() throws Exception {
        JsonNode p = problem(postInfer(gateway.url(), vadRequest().replace("\"shape\":[1,512]", "\"shape\":[2,256]"), "application/json"),
                422, "invalid-input");
        assertThat(p.get("source").asText()).isEqualTo("request");
        assertThat(p.get("retryable").asBoolean()).isFalse();
        assertThat(p.get("node").asText()).isEqualTo(node.address().toString());
    }
}
