package io.verity.node.openai;

import io.verity.llm.LlmEngine;
import io.verity.protocol.Keccak256;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/** What the node answers on the OpenAI routes: its local language models by name, and the upstream it proxies. */
public final class LanguageModels {
    private final Map<String, LlmEngine> local = new ConcurrentSkipListMap<>();
    private volatile OpenAiUpstream upstream;

    /** Serves {@code engine} as {@code name}; the node closes it. */
    public void add(String name, LlmEngine engine) {
        local.put(name, engine);
    }

    /** {@link #add} unless {@code name} is taken; false when it is. */
    public boolean addIfAbsent(String name, LlmEngine engine) {
        return local.putIfAbsent(name, engine) == null;
    }

    /** Whether the node forwards {@code name} to its upstream. */
    public boolean forwards(String name) {
        OpenAiUpstream u = upstream;
        return u != null && u.serves(name);
    }

    /** Sets the provider-proxy backend, once at start. */
    public void proxy(OpenAiUpstream upstream) {
        this.upstream = upstream;
    }

    public boolean servesLocally(String name) {
        return local.containsKey(name);
    }

    Map<String, LlmEngine> local() {
        return local;
    }

    Optional<OpenAiUpstream> upstream() {
        return Optional.ofNullable(upstream);
    }

    /** How many local language models the node runs. */
    public int localCount() {
        return local.size();
    }

    /** The digests of every model served on the OpenAI routes, local or proxied: what the node registers. */
    public Stream<Keccak256> digests() {
        OpenAiUpstream u = upstream;
        return Stream.concat(local.values().stream().map(LlmEngine::modelDigest),
                u == null ? Stream.empty() : u.models().keySet().stream().map(u::modelDigest));
    }
}
