package io.verity.explorer.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.verity.client.InferenceException;
import io.verity.client.NodeApiClient;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * What a gateway knows that the chain does not: each node's latency, availability and the evidence of
 * disagreements it collected. Cached for a second so a page load makes at most one call per route; a gateway
 * that does not answer makes the pages say so instead of failing.
 */
public final class GatewayView {
    private static final long TTL_NANOS = Duration.ofSeconds(1).toNanos();

    private final Optional<URI> base;
    private final Optional<NodeApiClient> api;
    private final java.util.Map<String, Cached> cache = new java.util.concurrent.ConcurrentHashMap<>();

    private record Cached(long at, JsonNode body) {}

    public GatewayView(Optional<URI> base) {
        this.base = base;
        this.api = base.map(b -> NodeApiClient.of(b, Duration.ofSeconds(2)));
    }

    Optional<URI> url() {
        return base;
    }

    /** The gateway's {@code GET path} body, or MissingNode when there is no gateway or it did not answer. */
    JsonNode get(String path) {
        if (api.isEmpty()) return MissingNode.getInstance();
        Cached c = cache.get(path);
        long now = System.nanoTime();
        if (c != null && now - c.at < TTL_NANOS) return c.body;
        JsonNode body;
        try {
            body = api.get().get(path);
        } catch (InferenceException e) { // refused, malformed or unreachable: the pages say the gateway did not answer
            body = MissingNode.getInstance();
        }
        cache.put(path, new Cached(now, body));
        return body;
    }

    /** (lower-case digest → name@version) of the models the gateway routes; empty without a gateway view. */
    java.util.Map<String, String> modelNames() {
        java.util.Map<String, String> names = new java.util.LinkedHashMap<>();
        for (JsonNode m : get("/v1/models").path("models")) {
            names.put(m.path("digest").asText().toLowerCase(java.util.Locale.ROOT), m.path("name").asText() + "@" + m.path("version").asText());
        }
        return names;
    }

    /** The gateway's entry for one node in {@code /v1/nodes}, MissingNode when it has none. */
    JsonNode node(String address) {
        for (JsonNode n : get("/v1/nodes").path("nodes")) {
            if (n.path("address").asText().equalsIgnoreCase(address)) return n;
        }
        return MissingNode.getInstance();
    }
}
