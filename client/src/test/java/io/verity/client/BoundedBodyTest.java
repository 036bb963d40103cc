package io.verity.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** A node whose answer never ends, or announces terabytes, fails the call instead of filling the caller's heap. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BoundedBodyTest {
    static HttpServer server;
    static URI base;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/endless", ex -> { // chunked, until the client hangs up
            ex.sendResponseHeaders(200, 0);
            byte[] kib = new byte[1024];
            try (OutputStream out = ex.getResponseBody()) {
                while (true) out.write(kib);
            } catch (IOException hungUp) {
                // the client cancelled: the point of the test
            }
        });
        server.createContext("/huge", ex -> { // announces a terabyte, sends a kilobyte of it
            ex.sendResponseHeaders(200, 1L << 40);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(new byte[1024]);
                out.flush();
            } catch (IOException hungUp) {
                // the client cancelled
            }
        });
        server.createContext("/small", ex -> {
            byte[] body = "{\"ok\":true}".getBytes();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @Test
    void a_body_within_the_bound_is_read_whole() throws Exception {
        assertThat(new String(HTTP.send(get("/small"), BoundedBody.handler(1024)).body())).isEqualTo("{\"ok\":true}");
    }

    @Test
    void a_body_that_never_ends_fails_once_past_the_bound() {
        assertThatThrownBy(() -> HTTP.send(get("/endless"), BoundedBody.handler(64 * 1024)))
                .isInstanceOf(IOException.class).hasMessageContaining("over 65536 bytes (sent more)");
    }

    @Test
    void an_announced_length_past_the_bound_fails_before_any_byte_is_read() {
        assertThatThrownBy(() -> HTTP.send(get("/huge"), BoundedBody.handler(64 * 1024)))
                .isInstanceOf(IOException.class).hasMessageContaining("announced 1099511627776 bytes");
    }

    @Test
    void a_stream_is_read_as_it_comes_up_to_the_bound() throws Exception {
        try (InputStream in = HTTP.send(get("/small"), BoundedBody.streamHandler(11)).body()) { // exactly the bound
            assertThat(new String(in.readAllBytes())).isEqualTo("{\"ok\":true}");
        }
        try (InputStream in = HTTP.send(get("/endless"), BoundedBody.streamHandler(64 * 1024)).body()) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class)
                    .hasMessageContaining("over 65536 bytes (sent more)");
        }
        try (InputStream in = HTTP.send(get("/huge"), BoundedBody.streamHandler(64 * 1024)).body()) {
            assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("announced 1099511627776 bytes");
        }
    }

    @Test
    void the_node_client_reports_such_a_node_as_unreachable() {
        try (NodeApiClient client = NodeApiClient.of(base, Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> client.getRaw("/huge")).isInstanceOf(UnreachableException.class)
                    .hasMessageContaining("over " + NodeApiClient.MAX_ANSWER_BYTES + " bytes");
        }
    }

    private static HttpRequest get(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build();
    }
}
