package io.verity.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server between the client and real nodes, playing a dishonest node or gateway: each test
 * sets a {@link Handler} that sees the client's request and answers with whatever it builds, usually from a
 * real node's answer that it then tampers with.
 */
final class TamperingProxy implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    record Request(String method, String path, String policyHeader, JsonNode body) {}

    record Reply(int status, String contentType, byte[] body) {
        static Reply json(JsonNode body) {
            try {
                return new Reply(200, "application/json", JSON.writeValueAsBytes(body));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    interface Handler {
        Reply handle(Request request) throws Exception;
    }

    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile Handler handler = r -> new Reply(500, "text/plain", "no handler".getBytes(StandardCharsets.UTF_8));

    TamperingProxy() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::serve);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void handler(Handler h) {
        this.handler = h;
    }

    /** Sends {@code body} to {@code node}'s {@code path} as the client would, and returns the node's JSON answer. */
    JsonNode forward(URI node, String path, JsonNode body) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(node.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) throw new IllegalStateException("node answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        return JSON.readTree(r.body());
    }

    private void serve(HttpExchange ex) throws IOException {
        Reply reply;
        try (ex) {
            try {
                byte[] in = ex.getRequestBody().readAllBytes();
                JsonNode body = in.length == 0 ? null : JSON.readTree(in);
                reply = handler.handle(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(),
                        ex.getRequestHeaders().getFirst(VerityClient.POLICY_HEADER), body));
            } catch (Exception e) {
                reply = new Reply(500, "text/plain", ("proxy handler failed: " + e).getBytes(StandardCharsets.UTF_8));
            }
            ex.getResponseHeaders().set("Content-Type", reply.contentType());
            ex.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
            ex.getResponseBody().write(reply.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
        http.close();
    }
}
