package io.verity.node;

import io.verity.llm.LlmEngine;
import io.verity.llm.schema.SchemaGuard;
import io.verity.protocol.Checks;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of a node's OpenAI routes ({@link NodeConfig#openAi()}).
 *
 * @param upstream an OpenAI-compatible server this node forwards some models to (provider proxy mode)
 * @param requiredKey when present, the OpenAI routes answer 401 unless {@code Authorization: Bearer <key>}
 * @param tokenPrices when present, a language-model receipt's price is {@code input × prompt_tokens + output ×
 *     completion_tokens}; otherwise the node's price × all tokens
 * @param schemaLimits bounds on the JSON Schemas (response_format, tool parameters) llama.cpp turns into grammars
 * @param workers how the node runs its llama.cpp workers: address-space limit, restart backoff, poison memory
 *     (threads and log are the node's and are set when it starts each worker)
 * @param embeddingLimits bounds on one {@code POST /v1/embeddings} request
 */
public record OpenAiSettings(Optional<Upstream> upstream, Optional<ApiKey> requiredKey, Optional<TokenPrices> tokenPrices,
        SchemaGuard.Limits schemaLimits, LlmEngine.Options workers, EmbeddingLimits embeddingLimits) {
    public static final OpenAiSettings NONE = new OpenAiSettings(Optional.empty(), Optional.empty(), Optional.empty(),
            SchemaGuard.Limits.DEFAULT, LlmEngine.Options.defaults(1, null), EmbeddingLimits.DEFAULT);

    public OpenAiSettings {
        Checks.nonNull("upstream", upstream, "requiredKey", requiredKey, "tokenPrices", tokenPrices,
                "schemaLimits", schemaLimits, "workers", workers, "embeddingLimits", embeddingLimits);
    }

    /**
     * Bounds on one embeddings request (docs/security.md): each input runs the model once, so their number bounds
     * the work; a token-array input longer than {@code maxInputTokens} is refused (texts are cut at the model's
     * length, as the reference tokenizer cuts them).
     *
     * @param maxInputs most inputs in one request ({@code --embedding-max-inputs}, default 256)
     * @param maxInputTokens most token ids in one token-array input ({@code --embedding-max-input-tokens}, default
     *     512: the bundled models' position table)
     */
    public record EmbeddingLimits(int maxInputs, int maxInputTokens) {
        public static final EmbeddingLimits DEFAULT = new EmbeddingLimits(256, 512);

        public EmbeddingLimits {
            Checks.inRange("maxInputs", maxInputs, 1, 1_000_000);
            Checks.inRange("maxInputTokens", maxInputTokens, 2, 1_000_000);
        }
    }

    public OpenAiSettings withEmbeddingLimits(EmbeddingLimits limits) {
        return new OpenAiSettings(upstream, requiredKey, tokenPrices, schemaLimits, workers, limits);
    }

    public OpenAiSettings withUpstream(Upstream u) {
        return new OpenAiSettings(Optional.of(u), requiredKey, tokenPrices, schemaLimits, workers, embeddingLimits);
    }

    public OpenAiSettings withRequiredKey(ApiKey key) {
        return new OpenAiSettings(upstream, Optional.of(key), tokenPrices, schemaLimits, workers, embeddingLimits);
    }

    public OpenAiSettings withTokenPrices(TokenPrices prices) {
        return new OpenAiSettings(upstream, requiredKey, Optional.of(prices), schemaLimits, workers, embeddingLimits);
    }

    public OpenAiSettings withSchemaLimits(SchemaGuard.Limits limits) {
        return new OpenAiSettings(upstream, requiredKey, tokenPrices, limits, workers, embeddingLimits);
    }

    public OpenAiSettings withWorkers(LlmEngine.Options options) {
        return new OpenAiSettings(upstream, requiredKey, tokenPrices, schemaLimits, options, embeddingLimits);
    }

    /** The price of an answer: per-token prices when set, else {@code price} × all tokens. */
    public BigInteger price(BigInteger price, long promptTokens, long completionTokens) {
        return tokenPrices.map(t -> t.input().multiply(BigInteger.valueOf(promptTokens))
                .add(t.output().multiply(BigInteger.valueOf(completionTokens))))
                .orElseGet(() -> price.multiply(BigInteger.valueOf(promptTokens + completionTokens)));
    }

    /** Wei per prompt (input) token and per completion (output) token. */
    public record TokenPrices(BigInteger input, BigInteger output) {
        public TokenPrices {
            if (input.signum() < 0 || output.signum() < 0) {
                throw new IllegalArgumentException("token prices must be >= 0 wei, got " + input + " and " + output);
            }
        }
    }

    /** A secret API key. {@link #toString()} never shows it, so it cannot reach a log by accident. */
    public static final class ApiKey {
        private final String value;

        public ApiKey(String value) {
            if (value == null || value.isBlank()) throw new IllegalArgumentException("an API key must not be empty");
            if (value.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
                throw new IllegalArgumentException("an API key must be printable ASCII without spaces");
            }
            this.value = value;
        }

        /** The key itself, for the one header that carries it. */
        public String reveal() {
            return value;
        }

        /** Constant-time comparison with a presented key, so timing does not leak how much matched. */
        public boolean matches(String presented) {
            return presented != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
                    presented.getBytes(StandardCharsets.US_ASCII));
        }

        /** Removes the key from text that came from elsewhere (an upstream's error message may echo it). */
        public String scrub(String text) {
            return text == null ? null : text.replace(value, "[redacted]");
        }

        @Override
        public String toString() {
            return "ApiKey[redacted]";
        }
    }

    /**
     * An OpenAI-compatible upstream: {@code baseUrl} ends before {@code /chat/completions} (e.g.
     * {@code https://host/v1}), {@code models} maps the names this node serves to the upstream's model names.
     *
     * @param timeout how long to wait for the upstream's response headers, and at most between two streamed lines
     */
    public record Upstream(URI baseUrl, Optional<ApiKey> key, Map<String, String> models, Duration timeout) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

        public Upstream {
            Checks.nonNull("baseUrl", baseUrl, "key", key, "timeout", timeout);
            if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme()) || baseUrl.getHost() == null) {
                throw new IllegalArgumentException("the upstream URL must be http(s)://host[:port]/path, got " + baseUrl);
            }
            if (baseUrl.getUserInfo() != null || baseUrl.getQuery() != null) {
                throw new IllegalArgumentException("the upstream URL must carry no user info or query (the key goes in "
                        + "--upstream-key-env)");
            }
            if (models.isEmpty()) throw new IllegalArgumentException("an upstream needs at least one model mapping");
            models.forEach((local, remote) -> {
                io.verity.node.hub.Manifest.checkName(local);
                if (remote == null || remote.isBlank()) throw new IllegalArgumentException("upstream model for " + local + " is empty");
            });
            models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
            if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
            String s = baseUrl.toString();
            if (s.endsWith("/")) baseUrl = URI.create(s.substring(0, s.length() - 1));
        }

        /** {@code baseUrl + path}, path being {@code /chat/completions} or {@code /completions}. */
        public URI resolve(String path) {
            return URI.create(baseUrl + path);
        }
    }
}
