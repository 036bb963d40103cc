package io.verity.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeApiClient} over {@link NodeConnections} (Jetty's client) answers and fails as over the JDK client: the
 * same answers, the same failure causes (timeout, refused connection, oversized answer), no compression asked for.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeConnectionsTest {
    static HttpServer server;
    static URI base;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static NodeConnections connections;
    static final CountDownLatch release = new CountDownLatch(1);

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/echo", ex -> { // what the client sent, as the answer's body
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            var h = ex.getRequestHeaders();
            String echo = ex.getRequestMethod() + "|" + h.getFirst("Content-Type") + "|" + h.getFirst("Accept") + "|"
                    + h.getFirst("Accept-Encoding") + "|" + h.getFirst("Verity-Payer") + "|" + body;
            send(ex, 200, "application/json; charset=utf-8", ("{\"echo\":\"" + echo.replace("\"", "'") + "\"}").getBytes());
        });
        server.createContext("/missing", ex -> send(ex, 404, "application/problem+json",
                "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"no such receipt\"}".getBytes()));
        server.createContext("/silent", ex -> { // answers only when the test ends
            awaitRelease();
            ex.close();
        });
        server.createContext("/huge", ex -> { // announces a terabyte, sends its first bytes, waits for the end of the test
            ex.sendResponseHeaders(200, 1L << 40);
            ex.getResponseBody().write('{');
            ex.getResponseBody().flush();
            awaitRelease();
            ex.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        connections = NodeConnections.start(Duration.ofSeconds(2), 64);
    }

    private static void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @AfterAll
    static void stop() {
        release.countDown();
        connections.close();
        server.stop(0);
    }

    private static NodeApiClient client(Duration timeout) {
        return NodeApiClient.of(base, timeout, HTTP, connections);
    }

    @Test
    void a_post_carries_its_body_and_headers_and_asks_for_no_compression() throws Exception {
        NodeApiClient.RawAnswer a = client(Duration.ofSeconds(10)).postRaw("/echo", "{\"x\":1}".getBytes(),
                Map.of("Verity-Payer", "0xabc"));
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.contentType()).isEqualTo("application/json; charset=utf-8");
        assertThat(new String(a.body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"echo\":\"POST|application/json|application/json|null|0xabc|{'x':1}\"}");
        // the same through the asynchronous call and a GET
        assertThat(new String(client(Duration.ofSeconds(10)).getRawAsync("/echo").get(10, TimeUnit.SECONDS).body(),
                StandardCharsets.UTF_8)).isEqualTo("{\"echo\":\"GET|null|application/json|null|null|\"}");
    }

    @Test
    void a_refusal_is_relayed_as_the_servers_problem() {
        assertThat(client(Duration.ofSeconds(10)).batch(io.verity.protocol.Keccak256.ZERO)).isEmpty(); // 404 -> empty
        assertThatThrownBy(() -> client(Duration.ofSeconds(10)).get("/missing"))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.problem().detail()).isEqualTo("no such receipt");
                });
    }

    @Test
    void no_answer_within_the_timeout_fails_as_a_timeout() {
        assertThatThrownBy(() -> client(Duration.ofMillis(300)).postRaw("/silent", new byte[0], Map.of()))
                .isInstanceOf(UnreachableException.class)
                .hasMessageContaining("no answer from")
                .hasCauseInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void a_refused_connection_fails_as_a_connect_error() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        NodeApiClient refused = NodeApiClient.of(URI.create("http://127.0.0.1:" + closedPort), Duration.ofSeconds(5), HTTP,
                connections);
        assertThatThrownBy(() -> refused.postRawAsync("/v1/infer", new byte[0], Map.of()).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(UnreachableException.class)
                .cause().isInstanceOf(ConnectException.class);
    }

    @Test
    void an_answer_announcing_more_than_the_bound_fails_the_call() {
        assertThatThrownBy(() -> client(Duration.ofSeconds(10)).getRaw("/huge"))
                .isInstanceOf(UnreachableException.class)
                .hasMessageContaining("the answer is over " + NodeApiClient.MAX_ANSWER_BYTES + " bytes")
                .hasCauseInstanceOf(IOException.class);
    }
}
