package io.verity.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Keep-alive HTTP/1.1 connections to many nodes, shared by the {@link NodeApiClient}s of a process that calls nodes
 * on every request it serves (a gateway): their whole-body exchanges go over Jetty's client, which costs less CPU
 * per exchange than the JDK's (a {@code MultiExchange}, chained futures, a timer and a selector wake-up per call
 * were the gateway's largest cost in {@code ./verity gateway-load}, docs/benchmarks.md). Streams stay on the
 * JDK client. Thread-safe; close it once every client on it is done.
 */
public final class NodeConnections implements AutoCloseable {
    private final HttpClient jetty;

    private NodeConnections(HttpClient jetty) {
        this.jetty = jetty;
    }

    /**
     * Starts the connections' selector and worker threads.
     *
     * @param connectTimeout how long to wait for a connection to a node
     * @param maxPerNode the most connections open to one node at once; exchanges beyond it wait, up to 16 times as
     *     many, and then fail as unreachable (the JDK client had no bound: the caller's own concurrency bounds this)
     */
    public static NodeConnections start(Duration connectTimeout, int maxPerNode) {
        if (maxPerNode < 1) throw new IllegalArgumentException("maxPerNode must be >= 1, got " + maxPerNode);
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("node-connections");
        threads.setDaemon(true);
        HttpClient jetty = new HttpClient();
        jetty.setExecutor(threads);
        jetty.setConnectTimeout(connectTimeout.toMillis());
        jetty.setFollowRedirects(false); // as the JDK client: a node's redirect is its answer
        jetty.setUserAgentField(null);
        jetty.setHttpCookieStore(new HttpCookieStore.Empty()); // as the JDK client: no cookies, and no lookup per request
        jetty.setMaxConnectionsPerDestination(maxPerNode);
        jetty.setMaxRequestsQueuedPerDestination((int) Math.min(Integer.MAX_VALUE, 16L * maxPerNode));
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client to nodes", e);
        }
        // Starting adds a gzip decoder, and with it Accept-Encoding, to which a node compresses its answer: CPU on
        // both sides for bytes that only cross loopback or a LAN. Answers stay uncompressed, as to the JDK client.
        jetty.getContentDecoderFactories().clear();
        return new NodeConnections(jetty);
    }

    /**
     * One exchange, its answer read whole (at most {@code maxBytes}) whatever its status. Cancelling the future
     * aborts the exchange.
     *
     * @param body null for a GET
     * @return completes exceptionally with {@link UnreachableException} when no answer arrived, its cause as the JDK
     *     client's would be: {@link HttpTimeoutException}, {@link ConnectException} or another {@link IOException}
     */
    CompletableFuture<NodeApiClient.RawAnswer> exchange(URI uri, byte[] body, Map<String, String> headers, Duration timeout,
            long maxBytes) {
        Request req = jetty.newRequest(uri).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        req.headers(h -> {
            h.put(HttpHeader.ACCEPT, "application/json");
            headers.forEach(h::put);
        });
        if (body == null) {
            req.method(HttpMethod.GET);
        } else {
            req.method(HttpMethod.POST).body(new BytesRequestContent("application/json", body));
        }
        CompletableFuture<NodeApiClient.RawAnswer> answer = new CompletableFuture<>();
        req.send(new BufferingResponseListener((int) Math.min(Integer.MAX_VALUE, maxBytes)) {
            @Override
            public void onComplete(Result result) {
                if (result.isFailed()) {
                    answer.completeExceptionally(unreachable(uri, timeout, maxBytes, result.getFailure()));
                    return;
                }
                String type = result.getResponse().getHeaders().get(HttpHeader.CONTENT_TYPE);
                answer.complete(new NodeApiClient.RawAnswer(result.getResponse().getStatus(),
                        type != null ? type : "application/json", getContent()));
            }
        });
        answer.whenComplete((r, err) -> {
            if (err instanceof CancellationException c) req.abort(c);
        });
        return answer;
    }

    /** The failure as the JDK client names it, so callers classify both alike (timeout, connect error, I/O error). */
    private static UnreachableException unreachable(URI uri, Duration timeout, long maxBytes, Throwable t) {
        if (t instanceof TimeoutException) {
            HttpTimeoutException e = new HttpTimeoutException("request timed out");
            e.initCause(t);
            return new UnreachableException(uri, "no answer from " + uri + " within " + timeout, e);
        }
        IOException io = t instanceof IOException i ? i
                : t instanceof IllegalArgumentException && String.valueOf(t.getMessage()).contains("capacity")
                        ? new IOException("the answer is over " + maxBytes + " bytes", t)
                        : new IOException(t.toString(), t);
        return new UnreachableException(uri, "cannot reach " + uri + ": " + io, io);
    }

    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the HTTP client to nodes", e);
        }
    }
}
