package io.verity.llm;

/**
 * The sampling settings a completion ran with, all of them, so a re-run on another node with the same model
 * and binding reproduces the tokens where llama.cpp is deterministic (always for temperature 0, which is
 * greedy; for the same seed on the same CPU build otherwise). Top-k, min-p and the repetition penalty are
 * always off; {@link #applied()} names them so the request digest covers what was actually applied.
 *
 * @param temperature 0 (greedy) to 2
 * @param topP nucleus mass, (0, 1]
 * @param seed 0..2^31-1; the node draws one when the client gives none
 * @param maxTokens 1..4096 tokens to generate at most
 */
public record Sampling(double temperature, double topP, long seed, int maxTokens) {
    public static final int MAX_TOKENS_LIMIT = 4096;
    /** max_tokens when a request gives none (the gateway prices the answer by it too). */
    public static final int DEFAULT_MAX_TOKENS = 256;
    /** Choices ({@code n}) per request at most: they run one after another on the one llama.cpp slot. */
    public static final int MAX_CHOICES = 8;

    public Sampling {
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("temperature must be between 0 and 2, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (seed < 0 || seed > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("seed must be between 0 and " + Integer.MAX_VALUE + ", got " + seed);
        }
        if (maxTokens < 1 || maxTokens > MAX_TOKENS_LIMIT) {
            throw new IllegalArgumentException("max_tokens must be between 1 and " + MAX_TOKENS_LIMIT + ", got " + maxTokens);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }

    /** A compact, stable description for the receipt's engine field, e.g. {@code greedy} or {@code t=0.7,p=0.9,seed=42}. */
    public String describe() {
        return greedy() ? "greedy" : "t=" + temperature + ",p=" + topP + ",seed=" + seed;
    }
}
