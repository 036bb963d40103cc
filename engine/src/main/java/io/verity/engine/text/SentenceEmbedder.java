package io.verity.engine.text;

import io.verity.engine.EngineException;
import io.verity.engine.LoadedModel;
import io.verity.engine.RunStop;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Sentence embeddings from a BERT-style encoder on any engine: tokenize, run the model on
 * {@code input_ids}/{@code attention_mask} (and {@code token_type_ids} when the graph declares it), mean-pool
 * the last hidden state over the tokens, L2-normalise. This is what sentence-transformers does for
 * all-MiniLM-L6-v2.
 *
 * <p>Each text runs alone (batch of one, no padding): a text's embedding must not depend on what else was in
 * the request, or a replay of one input under the deterministic engine would not reproduce its bits. The
 * pooling and normalisation are plain Java float/double arithmetic in a fixed order, so they add nothing
 * platform-dependent to the engine's result. Thread-safe when the model is.
 */
public final class SentenceEmbedder {
    private final LoadedModel model;
    private final WordPieceTokenizer tokenizer;
    private final int maxTokens;
    private final boolean typeIds;
    private final int hiddenOutput;

    private SentenceEmbedder(LoadedModel model, WordPieceTokenizer tokenizer, int maxTokens) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        var in = model.schema().inputs().stream().map(TensorSpec::name).toList();
        if (!in.contains("input_ids") || !in.contains("attention_mask")) {
            throw new IllegalArgumentException("model inputs must include input_ids and attention_mask, got " + in);
        }
        typeIds = in.contains("token_type_ids");
        var out = model.schema().outputs();
        int h = -1;
        for (int i = 0; i < out.size() && h < 0; i++) if (out.get(i).name().equals("last_hidden_state")) h = i;
        for (int i = 0; i < out.size() && h < 0; i++) if (out.get(i).rank() == 3) h = i;
        if (h < 0) throw new IllegalArgumentException("model has no [batch, tokens, hidden] output, outputs: " + out);
        hiddenOutput = h;
    }

    /** Cuts texts where the tokenizer's file says ({@link WordPieceTokenizer#maxLength()}). */
    public static SentenceEmbedder of(LoadedModel model, WordPieceTokenizer tokenizer) {
        return of(model, tokenizer, tokenizer.maxLength());
    }

    /**
     * @param maxTokens the longest sequence fed to the model, {@code [CLS]} and {@code [SEP]} included; longer
     *     texts are cut to their first {@code maxTokens - 2} word pieces and {@code [SEP]}, as HuggingFace's
     *     tokenizer truncates (see {@link TextModel#maxTokens()} for each model's value)
     * @throws IllegalArgumentException when maxTokens is below 2, or the model lacks the inputs or the output
     */
    public static SentenceEmbedder of(LoadedModel model, WordPieceTokenizer tokenizer, int maxTokens) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokenizer, "tokenizer");
        if (maxTokens < 2) throw new IllegalArgumentException("maxTokens must be at least 2, got " + maxTokens);
        return new SentenceEmbedder(model, tokenizer, maxTokens);
    }

    /**
     * One text's embedding.
     *
     * @param tokens the tokens fed to the model, {@code [CLS]} and {@code [SEP]} included (what OpenAI's usage
     *     counts); {@code truncated} whether the text had more
     */
    public record Embedding(float[] vector, int tokens, boolean truncated) {
        public Embedding {
            vector = vector.clone();
        }

        @Override
        public float[] vector() {
            return vector.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Embedding e && Arrays.equals(vector, e.vector) && tokens == e.tokens && truncated == e.truncated;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(vector) * 31 + tokens;
        }

        @Override
        public String toString() {
            return "Embedding[" + vector.length + " dims, " + tokens + " tokens" + (truncated ? ", truncated" : "") + "]";
        }
    }

    /**
     * @throws IllegalArgumentException when the text is empty (an empty input has no meaning to embed; OpenAI
     *     rejects it too)
     * @throws EngineException from the engine
     */
    public Embedding embed(String text) {
        return embed(text, RunStop.NEVER);
    }

    /** As {@link #embed(String)}, the model's run stopped by {@code stop}. */
    public Embedding embed(String text, RunStop stop) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) throw new IllegalArgumentException("input must not be an empty string");
        return embedIds(tokenizer.encode(text), stop);
    }

    /**
     * Embeds token ids the caller already has (OpenAI's token-array input). They are fed as given, so adding
     * {@code [CLS]} and {@code [SEP]} is the caller's business; cut to {@code maxTokens} keeping the last id.
     *
     * @throws IllegalArgumentException when there are no ids, or one is outside the vocabulary (names its index)
     */
    public Embedding embedIds(int[] ids) {
        return embedIds(ids, RunStop.NEVER);
    }

    /**
     * As {@link #embedIds(int[])}, the model's run stopped by {@code stop}.
     *
     * @throws EngineException STOPPED when {@code stop} was thrown
     */
    public Embedding embedIds(int[] ids, RunStop stop) {
        Objects.requireNonNull(stop, "stop");
        if (ids.length == 0) throw new IllegalArgumentException("input must hold at least one token");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= tokenizer.vocabSize()) {
                throw new IllegalArgumentException("input[" + i + "] must be a token id between 0 and "
                        + (tokenizer.vocabSize() - 1) + ", got " + ids[i]);
            }
        }
        boolean truncated = ids.length > maxTokens;
        if (truncated) {
            int last = ids[ids.length - 1];
            ids = Arrays.copyOf(ids, maxTokens);
            ids[maxTokens - 1] = last;
        }
        int n = ids.length;
        long[] inputIds = new long[n];
        long[] mask = new long[n];
        for (int i = 0; i < n; i++) {
            inputIds[i] = ids[i];
            mask[i] = 1;
        }
        Shape shape = Shape.of(1, n);
        List<Tensor> inputs = new ArrayList<>();
        for (TensorSpec s : model.schema().inputs()) {
            inputs.add(switch (s.name()) {
                case "input_ids" -> Tensor.ofLongs("input_ids", shape, inputIds);
                case "attention_mask" -> Tensor.ofLongs("attention_mask", shape, mask);
                case "token_type_ids" -> Tensor.ofLongs("token_type_ids", shape, new long[n]);
                default -> throw new IllegalArgumentException("model input " + s.name() + " is not one a BERT encoder takes");
            });
        }
        Tensor hidden = model.run(inputs, stop).outputs().get(hiddenOutput);
        return new Embedding(poolAndNormalise(hidden, n), n, truncated);
    }

    /** Mean over the token axis (every token is unmasked), then divided by the L2 norm; sums in token order. */
    static float[] poolAndNormalise(Tensor hidden, int tokens) {
        long[] d = hidden.shape().dims();
        if (d.length != 3 || d[0] != 1 || d[1] != tokens) {
            throw new EngineException(EngineException.Kind.FAILURE, "expected a [1, " + tokens + ", hidden] output, got " + hidden.shape());
        }
        int dim = (int) d[2];
        float[] h = hidden.floats();
        double[] sum = new double[dim];
        for (int t = 0; t < tokens; t++) for (int j = 0; j < dim; j++) sum[j] += h[t * dim + j];
        double norm2 = 0;
        for (int j = 0; j < dim; j++) {
            sum[j] /= tokens;
            norm2 += sum[j] * sum[j];
        }
        // sentence-transformers' Normalize divides by max(norm, 1e-12)
        double norm = Math.max(Math.sqrt(norm2), 1e-12);
        float[] v = new float[dim];
        for (int j = 0; j < dim; j++) v[j] = (float) (sum[j] / norm);
        return v;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }
}
