package io.verity.gateway.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.client.NodeApiClient;
import io.verity.gateway.openai.OpenAiProxy;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes this gateway may route to: every node NodeRegistry lists as active and staked, health-checked
 * over HTTP. A node whose registration lapses (exit, unbonded, slashed below the minimum) stops being routed
 * to at the next refresh; its statistics are kept in case it comes back.
 */
public final class NodeDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(NodeDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NodeRegistryClient registry;
    private final HttpClient http;
    private final Duration healthTimeout;
    private final Clock clock;
    private final Map<EvmAddress, NodeState> nodes = new ConcurrentHashMap<>();
    private volatile String chainError;

    public NodeDirectory(NodeRegistryClient registry, HttpClient http, Duration healthTimeout, Clock clock) {
        this.registry = registry;
        this.http = http;
        this.healthTimeout = healthTimeout;
        this.clock = clock;
    }

    public Collection<NodeState> all() {
        return nodes.values();
    }

    public Optional<NodeState> get(EvmAddress address) {
        return Optional.ofNullable(nodes.get(address));
    }

    /** Why the last registry read failed, if it did; routing keeps using what it knew. */
    public Optional<String> chainError() {
        return Optional.ofNullable(chainError);
    }

    /** NodeRegistry's minimum stake, once read (it is fixed at deployment); for the stake alert (docs/alerts.yml). */
    public Optional<BigInteger> minStake() {
        return Optional.ofNullable(minStake);
    }

    private volatile BigInteger minStake;

    /** Re-reads the registry, then health-checks every registered node in parallel. */
    public void refresh() {
        try {
            if (minStake == null) minStake = registry.minStake();
            Set<EvmAddress> active = new HashSet<>();
            for (EvmAddress a : registry.activeNodes()) {
                Optional<NodeInfo> info = registry.node(a);
                if (info.isEmpty() || !info.get().active() || !registry.isStaked(a)) continue;
                URI url;
                try {
                    url = endpoint(info.get().endpoint());
                } catch (IllegalArgumentException e) {
                    LOG.warn("node {} registered an unusable endpoint '{}': {}", a, info.get().endpoint(), e.getMessage());
                    continue;
                }
                active.add(a);
                nodes.computeIfAbsent(a, k -> new NodeState(k, url))
                        .updateRegistration(url, info.get().price(), info.get().stake(), info.get().models());
            }
            for (NodeState n : nodes.values()) {
                if (!active.contains(n.address) && n.registered()) {
                    LOG.info("node {} is no longer active and staked in NodeRegistry; dropped from routing", n.address);
                    n.deregister();
                }
            }
            chainError = null;
        } catch (RuntimeException e) {
            chainError = e.getMessage();
            LOG.warn("cannot read NodeRegistry ({}); routing with the last known nodes", e.getMessage());
        }
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        for (NodeState n : nodes.values()) if (n.registered()) checks.add(check(n));
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).join();
    }

    private CompletableFuture<Void> check(NodeState n) {
        return NodeApiClient.of(n.url(), healthTimeout, http).getRawAsync("/v1/models").handle((resp, err) -> {
            if (err != null) {
                n.updateHealth(false, "unreachable: " + rootMessage(err), Optional.empty());
            } else if (resp.status() != 200) {
                n.updateHealth(false, "GET /v1/models answered " + resp.status(), Optional.empty());
            } else {
                try {
                    n.updateHealth(true, "ok", Optional.of(parseModels(JSON.readTree(resp.body()))));
                } catch (Exception e) {
                    n.updateHealth(false, "GET /v1/models answered something else than a model list", Optional.empty());
                }
            }
            return null;
        });
    }

    private static List<NodeState.ServedModel> parseModels(JsonNode body) {
        List<NodeState.ServedModel> out = new ArrayList<>();
        for (JsonNode m : body.path("models")) {
            out.add(new NodeState.ServedModel(m.path("name").asText(), m.path("version").asText(),
                    Keccak256.parse(m.path("digest").asText())));
        }
        // Language and embedding models are marked in the OpenAI list (data[], verity_kind "llm" or "embedding");
        // versions "llm" and "embedding" mark them here, as the OpenAI routes find them by name and kind.
        for (JsonNode m : body.path("data")) {
            String kind = m.path("verity_kind").asText();
            if (!"llm".equals(kind) && !"embedding".equals(kind)) continue;
            // A model whose engine is restarting or failed is not routed to (nodes that do not say count as up).
            if (m.has("verity_state") && !"up".equals(m.path("verity_state").asText())) continue;
            out.add(new NodeState.ServedModel(m.path("id").asText(), "llm".equals(kind) ? OpenAiProxy.LLM_VERSION
                    : OpenAiProxy.EMBEDDING_VERSION,
                    Keccak256.parse(m.path("verity_model_digest").asText())));
        }
        return out;
    }

    /** The registry endpoint as a base URL; only http(s) with a host is accepted. */
    static URI endpoint(String text) {
        URI u = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            throw new IllegalArgumentException("expected an http(s) URL with a host");
        }
        return u;
    }

    public static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    public Clock clock() {
        return clock;
    }
}
