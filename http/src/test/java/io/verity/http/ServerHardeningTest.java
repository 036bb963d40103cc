package io.verity.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.verity.testing.HostileRequests;
import io.verity.testing.RawHttp;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The hardening on a bare Javalin app, as the explorer uses it (no renderer of its own): refusals are
 * problem+json with source and retryable, a trickling body is cut off, the gate gives 429 and takes its permit
 * back, and a handler's transport failure is a 4xx.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ServerHardeningTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final CountDownLatch release = new CountDownLatch(1);
    Javalin app;
    URI url;

    @BeforeAll
    void start() {
        HttpLimits limits = HttpLimits.DEFAULT.withMinDataRate(100).withIdleTimeout(Duration.ofSeconds(2)).withMaxBodyBytes(4096);
        app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            ServerHardening.apply(cfg, limits);
            RouteGate.install(cfg, limits, 1, List.of("/slow"));
            cfg.routes.post("/echo", ctx -> ctx.json(RequestBodies.json(ctx, limits.maxBodyBytes())));
            cfg.routes.post("/slow", ctx -> {
                release.await(20, TimeUnit.SECONDS);
                ctx.result("done");
            });
        }).start("127.0.0.1", 0);
        url = URI.create("http://127.0.0.1:" + app.port());
    }

    @AfterAll
    void stop() {
        release.countDown();
        app.stop();
    }

    RawHttp.Response post(String path, String contentType, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return RawHttp.exchange(url, RawHttp.head("POST", url, path, "Content-Type: " + contentType, "Content-Length: " + b.length), b);
    }

    static JsonNode problem(RawHttp.Response r, int status, String slug) throws IOException {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.headers().get("content-type")).startsWith("application/problem+json");
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.get("type").asText()).isEqualTo("urn:verity:problem:" + slug);
        return p;
    }

    @Test
    void a_good_body_is_read_and_a_bad_one_refused_with_a_pointer() throws Exception {
        assertThat(post("/echo", "application/json; charset=utf-8", "{\"a\":1}").text()).isEqualTo("{\"a\":1}");
        JsonNode p = problem(post("/echo", "application/json", "{\"a\":\"\\udc00\"}"), 400, "malformed-json");
        assertThat(p.get("errors").get(0).get("pointer").asText()).isEqualTo("/a");
        assertThat(p.get("source").asText()).isEqualTo("request");
        assertThat(p.get("retryable").asBoolean()).isFalse();
        problem(post("/echo", "text/plain", "{}"), 415, "unsupported-media-type");
        problem(post("/echo", "application/json", "{\"a\":\"" + "x".repeat(5000) + "\"}"), 413, "body-too-large");
    }

    @Test
    void a_chunked_body_over_the_limit_and_a_malformed_chunk_are_4xx() throws Exception {
        String head = RawHttp.head("POST", url, "/echo", "Content-Type: application/json", "Transfer-Encoding: chunked");
        String big = Integer.toHexString(5000) + "\r\n" + "[" + " ".repeat(4998) + "]\r\n0\r\n\r\n";
        problem(RawHttp.exchange(url, head, big.getBytes(StandardCharsets.UTF_8)), 413, "body-too-large");
        assertThat(HostileRequests.malformedChunks(url, "/echo").status()).isEqualTo(400);
    }

    @Test
    void a_trickling_body_is_cut_off_with_408() throws Exception {
        problem(HostileRequests.trickled(url, "/echo", 300), 408, "request-timeout");
    }

    @Test
    void the_gate_answers_429_and_takes_its_permit_back() throws Exception {
        Thread holder = Thread.ofVirtual().start(() -> {
            try {
                post("/slow", "application/json", "{}");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> post("/slow", "application/json", "{}").status() == 429);
        RawHttp.Response r = post("/slow", "application/json", "{}");
        JsonNode p = problem(r, 429, "rate-limited");
        assertThat(r.headers().get("retry-after")).isEqualTo("1");
        assertThat(p.get("retryable").asBoolean()).isTrue();
        release.countDown();
        holder.join(Duration.ofSeconds(10));
        assertThat(post("/slow", "application/json", "{}").text()).isEqualTo("done");
    }
}
