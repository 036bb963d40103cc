package io.verity.node.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.verity.protocol.Keccak256;
import io.verity.testing.TestPaths;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetches over real HTTP from the JDK's HttpServer on 127.0.0.1, serving the node API
 * ({@code /v1/models/{digest}} and {@code /v1/models/{digest}/file}) for a real model, a tampered body and
 * a truncated body.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ModelFetcherTest {
    static final Path VAD = TestPaths.nodeModules().resolve("@ricky0123/vad-web/dist/silero_vad_legacy.onnx");

    enum Body { GOOD, TAMPERED, STALLED, OVERLONG }

    @TempDir
    Path remoteRoot;

    @TempDir
    Path localRoot;

    HttpServer server;
    volatile Body body = Body.GOOD;
    Manifest remote;
    byte[] bytes;
    URI base;
    ModelHub local;
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void serve() throws IOException {
        ModelHub remoteHub = new ModelHub(remoteRoot, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"),
                ZoneOffset.UTC), step -> {});
        remote = remoteHub.add(VAD, "silero-vad", "4.0", "MIT", "https://github.com/snakers4/silero-vad");
        bytes = Files.readAllBytes(VAD);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String prefix = "/v1/models/" + remote.digest().toHex();
        server.createContext("/v1/models/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.equals(prefix)) {
                    send(exchange, remote.toJson().getBytes(StandardCharsets.UTF_8), -1);
                } else if (path.equals(prefix + "/file")) {
                    switch (body) {
                        case GOOD -> send(exchange, bytes, -1);
                        case TAMPERED -> {
                            byte[] t = bytes.clone();
                            t[t.length / 2] ^= 1;
                            send(exchange, t, -1);
                        }
                        case STALLED -> send(exchange, bytes, bytes.length / 3);
                        case OVERLONG -> send(exchange, Arrays.copyOf(bytes, bytes.length * 2), -1);
                    }
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
            }
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        local = new ModelHub(localRoot, Clock.fixed(Instant.parse("2026-11-24T06:00:00Z"), ZoneOffset.UTC),
                step -> {});
    }

    /**
     * Declares the full length but, when {@code cutAt >= 0}, sends only that many bytes and stops; the JDK
     * server then keeps the connection open, so the client sees a body that stalls.
     */
    static void send(HttpExchange exchange, byte[] data, int cutAt) throws IOException {
        exchange.sendResponseHeaders(200, data.length);
        OutputStream os = exchange.getResponseBody();
        if (cutAt < 0) {
            os.write(data);
            os.close();
        } else {
            os.write(data, 0, cutAt);
            os.flush();
            try {
                os.close();
            } catch (IOException expected) {
                // "insufficient bytes written to stream"
            }
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    ModelFetcher fetcher() {
        return fetcher(ModelFetcher.DEFAULT_STALL_TIMEOUT);
    }

    ModelFetcher fetcher(Duration stallTimeout) {
        AtomicLong fakeNanos = new AtomicLong();
        return new ModelFetcher(local, new PrintStream(progress, true, StandardCharsets.UTF_8), false,
                () -> fakeNanos.addAndGet(10_000_000L), stallTimeout);
    }

    @Test
    void fetches_a_model_verifies_its_digest_and_stores_it_with_the_remote_labels() throws IOException {
        Manifest fetched;
        try (ModelFetcher f = fetcher()) {
            fetched = f.fetch(base, remote.digest());
        }

        assertThat(fetched.digest()).isEqualTo(remote.digest());
        assertThat(fetched.ref()).isEqualTo("silero-vad@4.0");
        assertThat(fetched.license()).isEqualTo("MIT");
        assertThat(fetched.source()).isEqualTo("https://github.com/snakers4/silero-vad");
        assertThat(fetched.schema()).isEqualTo(remote.schema());
        assertThat(fetched.addedAt()).isEqualTo(Instant.parse("2026-11-24T06:00:00Z"));
        assertThat(fetched.manifestDigest()).as("same model, same labels").isEqualTo(remote.manifestDigest());
        assertThat(Files.mismatch(local.file(remote.digest()), VAD)).isEqualTo(-1);
        assertThat(local.list()).containsExactly(fetched);
    }

    @Test
    void prints_a_plain_progress_line_per_ten_percent_when_not_on_a_terminal() {
        try (ModelFetcher f = fetcher()) {
            f.fetch(base, remote.digest());
        }

        // 1.7 MB read in chunks of at most 1 MiB: the deciles crossed depend on how the network splits the
        // body, but the last line is always 100% and no line is redrawn in place.
        List<String> lines = progress.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSizeBetween(1, 10).noneMatch(l -> l.contains("\r"));
        assertThat(lines).allMatch(l -> l.startsWith("fetching silero-vad@4.0 0xf6fb974b...0f68 "));
        assertThat(lines.get(lines.size() - 1)).matches(".* 100% 1\\.7/1\\.7 MB [0-9.]+ MB/s");
    }

    @Test
    void does_not_download_a_model_the_hub_already_holds() {
        local.add(VAD, "silero-vad", "4.0", null, null);
        server.removeContext("/v1/models/");

        try (ModelFetcher f = fetcher()) {
            assertThat(f.fetch(base, remote.digest()).license()).isNull();
        }
        assertThat(progress.size()).isZero();
    }

    @Test
    void refuses_a_tampered_body_naming_both_digests_and_keeps_nothing() {
        body = Body.TAMPERED;
        byte[] t = bytes.clone();
        t[t.length / 2] ^= 1;
        Keccak256 actual = Keccak256.hash(t);

        try (ModelFetcher f = fetcher()) {
            assertThatThrownBy(() -> f.fetch(base, remote.digest()))
                    .isInstanceOf(HubException.DigestMismatch.class)
                    .hasMessage("refusing model from " + base + ": expected digest " + remote.digest() + ", got "
                            + actual);
        }
        assertNothingKept();
    }

    @Test
    void stops_reading_a_body_longer_than_the_manifest_says_and_keeps_nothing() {
        body = Body.OVERLONG;

        try (ModelFetcher f = fetcher()) {
            assertThatThrownBy(() -> f.fetch(base, remote.digest()))
                    .isInstanceOf(HubException.FetchFailed.class)
                    .hasMessage("download of " + remote.digest() + " from " + base + " is longer than the manifest's "
                            + bytes.length + " bytes");
        }
        assertNothingKept();
    }

    @Test
    void gives_up_on_a_body_that_stops_arriving_and_keeps_nothing() {
        body = Body.STALLED;

        try (ModelFetcher f = fetcher(Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> f.fetch(base, remote.digest()))
                    .isInstanceOf(HubException.FetchFailed.class)
                    .hasMessageStartingWith("download of " + remote.digest() + " from " + base
                            + " stalled: no data for 1 s after ")
                    .hasMessageEndingWith(" of " + bytes.length + " bytes");
        }
        assertNothingKept();
    }

    @Test
    void refuses_a_body_cut_short_by_a_closed_connection_and_keeps_nothing() throws IOException {
        try (CuttingServer cutting = new CuttingServer(remote.toJson().getBytes(StandardCharsets.UTF_8), bytes,
                        bytes.length / 3);
                ModelFetcher f = fetcher()) {
            URI cut = URI.create("http://127.0.0.1:" + cutting.socket.getLocalPort());
            assertThatThrownBy(() -> f.fetch(cut, remote.digest()))
                    .isInstanceOf(HubException.FetchFailed.class)
                    .hasMessageStartingWith("download of " + remote.digest() + " from " + cut + " ")
                    .hasMessageEndingWith(" of " + bytes.length + " bytes")
                    .hasMessageNotContaining("stalled");
        }
        assertNothingKept();
    }

    /**
     * A bare HTTP/1.1 responder: declares each body's full length, sends the file only up to {@code cutAt}
     * bytes and closes the connection, which the JDK's HttpServer cannot be made to do.
     */
    static final class CuttingServer implements AutoCloseable {
        final ServerSocket socket;

        CuttingServer(byte[] manifestJson, byte[] file, int cutAt) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket c = socket.accept()) {
                        BufferedReader in = new BufferedReader(
                                new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
                        String requestLine = in.readLine();
                        for (String l = in.readLine(); l != null && !l.isEmpty(); l = in.readLine()) {
                            // skip headers
                        }
                        boolean isFile = requestLine != null && requestLine.split(" ")[1].endsWith("/file");
                        byte[] b = isFile ? file : manifestJson;
                        OutputStream out = c.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.write(b, 0, isFile ? cutAt : b.length);
                        out.flush();
                    } catch (IOException closed) {
                        // socket closed by close(), or the client hung up
                    }
                }
            });
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void reports_a_model_the_node_does_not_have_as_not_found() {
        Keccak256 other = Keccak256.hash("no such model".getBytes(StandardCharsets.UTF_8));

        try (ModelFetcher f = fetcher()) {
            assertThatThrownBy(() -> f.fetch(base, other))
                    .isInstanceOf(HubException.NotFound.class)
                    .hasMessage("node " + base + " has no model " + other);
        }
        assertNothingKept();
    }

    @Test
    void reports_an_unreachable_node_as_unavailable() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + closedPort);

        try (ModelFetcher f = fetcher()) {
            assertThatThrownBy(() -> f.fetch(dead, remote.digest()))
                    .isInstanceOf(HubException.NodeUnavailable.class)
                    .hasMessage("cannot reach node " + dead + ": connection refused")
                    .satisfies(e -> assertThat(((HubException.NodeUnavailable) e).node()).isEqualTo(dead));
        }
        assertNothingKept();
    }

    @Test
    void reports_an_unknown_host_as_unavailable() {
        URI nowhere = URI.create("http://no-such-host.invalid:8080"); // .invalid never resolves (RFC 6761)

        try (ModelFetcher f = fetcher()) {
            assertThatThrownBy(() -> f.fetch(nowhere, remote.digest()))
                    .isInstanceOf(HubException.NodeUnavailable.class)
                    .hasMessage("cannot reach node " + nowhere + ": unknown host");
        }
    }

    @Test
    void refuses_a_manifest_for_another_digest() {
        Keccak256 asked = remote.digest();
        server.removeContext("/v1/models/");
        Manifest liar = new Manifest(Keccak256.hash(new byte[] {1}), "x", "1", null, null, 1, "onnx",
                remote.schema(), remote.opsets(), remote.producer(), remote.addedAt());
        server.createContext("/v1/models/", exchange -> {
            try (exchange) {
                send(exchange, liar.toJson().getBytes(StandardCharsets.UTF_8), -1);
            }
        });

        try (ModelFetcher f = fetcher()) {
            assertThatThrownBy(() -> f.fetch(base, asked))
                    .isInstanceOf(HubException.FetchFailed.class)
                    .hasMessage("node " + base + " sent the manifest of another model: asked for " + asked
                            + ", got " + liar.digest());
        }
        assertNothingKept();
    }

    void assertNothingKept() {
        assertThat(local.list()).isEmpty();
        try (Stream<Path> s = Files.list(localRoot.resolve(".staging"))) {
            assertThat(s.toList()).isEmpty();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (Stream<Path> s = Files.list(localRoot)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList())
                    .allMatch(n -> n.startsWith("."), "only .staging and .lock");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
