package io.verity.node.hub;

import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Fetches a model from another Verity node into the local hub, over the node API:
 * {@code GET {node}/v1/models/{digest}} (the manifest JSON) and {@code GET {node}/v1/models/{digest}/file} (the
 * bytes). Nothing the remote says is trusted: the bytes are hashed while they stream into a staging area and
 * refused unless they hash to the digest asked for, and the schema is read from the bytes. Only the labels
 * (name, version, license, source) are taken from the remote manifest.
 *
 * <p>Thread-safe; close it to release its HTTP client.
 */
public final class ModelFetcher implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(30);
    /** A body that sends nothing for this long is abandoned: HttpClient has no read timeout of its own. */
    static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);

    private final ModelHub hub;
    private final HttpClient http;
    private final PrintStream progressOut;
    private final boolean interactive;
    private final LongSupplier nanoTime;
    private final Duration stallTimeout;

    /**
     * @param progressOut where the progress display goes (e.g. System.err)
     * @param interactive true when progressOut is a terminal: redraw one line in place; false: a line per 10%
     */
    public ModelFetcher(ModelHub hub, PrintStream progressOut, boolean interactive) {
        this(hub, progressOut, interactive, System::nanoTime, DEFAULT_STALL_TIMEOUT);
    }

    ModelFetcher(ModelHub hub, PrintStream progressOut, boolean interactive, LongSupplier nanoTime,
            Duration stallTimeout) {
        this.hub = hub;
        this.stallTimeout = stallTimeout;
        this.progressOut = progressOut;
        this.interactive = interactive;
        this.nanoTime = nanoTime;
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * Fetches model {@code digest} from {@code node} (a base URL such as {@code http://10.0.0.5:8080}) unless
     * the hub already holds it, and stores it under the remote manifest's name and version.
     *
     * @return the local manifest
     * @throws HubException.NodeUnavailable when the node cannot be reached
     * @throws HubException.NotFound when the node answers 404
     * @throws HubException.FetchFailed on another status, a malformed or mismatched manifest, or a body that
     *     breaks off or is shorter than the manifest's size
     * @throws HubException.DigestMismatch when the bytes hash to another digest; nothing is kept
     * @throws HubException.Conflict as {@link ModelHub#add}
     */
    public Manifest fetch(URI node, Keccak256 digest) {
        Optional<Manifest> have = hub.find(digest);
        if (have.isPresent()) return have.get();
        String base = node.toString().replaceAll("/+$", "");
        URI manifestUri = URI.create(base + "/v1/models/" + digest.toHex());
        URI fileUri = URI.create(base + "/v1/models/" + digest.toHex() + "/file");

        HttpResponse<String> mr = send(node, manifestUri, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        checkStatus(node, digest, manifestUri, mr.statusCode());
        Manifest remote;
        try {
            remote = Manifest.parse(mr.body());
        } catch (IllegalArgumentException e) {
            throw new HubException.FetchFailed(node, "node " + base + " sent an invalid manifest for " + digest
                    + ": " + e.getMessage(), e);
        }
        if (!remote.digest().equals(digest)) {
            throw new HubException.FetchFailed(node, "node " + base + " sent the manifest of another model: asked for "
                    + digest + ", got " + remote.digest(), null);
        }

        HttpResponse<InputStream> fr = send(node, fileUri, HttpResponse.BodyHandlers.ofInputStream());
        if (fr.statusCode() != 200) {
            try {
                fr.body().close();
            } catch (IOException ignored) {
                // the status is what we report
            }
            checkStatus(node, digest, fileUri, fr.statusCode());
        }
        Progress progress = new Progress(progressOut, interactive, remote.sizeBytes(), nanoTime,
                "fetching " + remote.ref() + " " + shortDigest(digest));
        try (Staging staging = hub.newStaging(); InputStream body = fr.body()) {
            Staging.Copied copied;
            StallWatchdog watchdog = new StallWatchdog(body, stallTimeout);
            try {
                copied = staging.copyIn(body, n -> {
                    if (n > remote.sizeBytes()) {
                        // stop a node that streams more than it announced before it fills the disk
                        throw new HubException.FetchFailed(node, "download of " + digest + " from " + base
                                + " is longer than the manifest's " + remote.sizeBytes() + " bytes", null);
                    }
                    watchdog.progressed();
                    progress.update(n);
                });
            } catch (IOException e) {
                String why = watchdog.fired()
                        ? "stalled: no data for " + stallTimeout.toSeconds() + " s"
                        : "broke off: " + e.getMessage();
                throw new HubException.FetchFailed(node, "download of " + digest + " from " + base + " "
                        + why + " after " + progress.done() + " of " + remote.sizeBytes() + " bytes", e);
            } finally {
                watchdog.stop();
                progress.finish();
            }
            if (copied.size() < remote.sizeBytes()) {
                throw new HubException.FetchFailed(node, "download of " + digest + " from " + base
                        + " is truncated: got " + copied.size() + " of " + remote.sizeBytes() + " bytes", null);
            }
            if (!copied.digest().equals(digest)) {
                throw new HubException.DigestMismatch(digest, copied.digest(), base);
            }
            return hub.commit(staging, copied, remote.name(), remote.version(), remote.license(), remote.source(),
                    java.util.Optional.empty()); // the remote's engine was its choice
        } catch (IOException e) {
            throw new HubException.FetchFailed(node, "download of " + digest + " from " + base + " failed: " + e, e);
        }
    }

    /** Closes the body when no bytes arrived for the stall timeout, which makes the blocked read fail. */
    private static final class StallWatchdog {
        private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        private final AtomicBoolean fired = new AtomicBoolean();
        private final Thread thread;

        StallWatchdog(InputStream body, Duration timeout) {
            long limit = timeout.toNanos();
            long tick = Math.max(10, timeout.toMillis() / 4);
            thread = Thread.ofVirtual().name("model-fetch-watchdog").start(() -> {
                try {
                    while (System.nanoTime() - lastProgress.get() <= limit) Thread.sleep(tick);
                    fired.set(true);
                    body.close();
                } catch (InterruptedException | IOException stopped) {
                    // the download finished, or the body is already unusable
                }
            });
        }

        void progressed() {
            lastProgress.set(System.nanoTime());
        }

        boolean fired() {
            return fired.get();
        }

        void stop() {
            thread.interrupt();
        }
    }

    private <T> HttpResponse<T> send(URI node, URI uri, HttpResponse.BodyHandler<T> handler) {
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(HEADERS_TIMEOUT).GET().build();
            return http.send(request, handler);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new HubException.NodeUnavailable(node, "cannot reach node " + node + ": " + reason(e), e);
        } catch (IOException e) {
            throw new HubException.FetchFailed(node, "GET " + uri + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException.FetchFailed(node, "interrupted while fetching " + uri, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("node URL must be http(s)://host[:port], got " + node, e);
        }
    }

    /** HttpClient wraps the useful part (refused, unknown host) in causes without messages of their own. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException) return "unknown host";
            if (t instanceof HttpConnectTimeoutException) return "connect timed out";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
        }
        // JDK 21-25 report a refused connection as a bare ConnectException around a ClosedChannelException
        return e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
    }

    private static void checkStatus(URI node, Keccak256 digest, URI uri, int status) {
        if (status == 200) return;
        if (status == 404) {
            throw new HubException.NotFound(digest.toHex(), "node " + node + " has no model " + digest);
        }
        throw new HubException.FetchFailed(node, "GET " + uri + " answered HTTP " + status + ", expected 200", null);
    }

    private static String shortDigest(Keccak256 d) {
        String h = d.toHex();
        return h.substring(0, 10) + "..." + h.substring(h.length() - 4);
    }

    @Override
    public void close() {
        http.close();
    }
}
