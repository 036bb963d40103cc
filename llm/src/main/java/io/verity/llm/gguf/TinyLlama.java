package io.verity.llm.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates a tiny llama-architecture GGUF model with seeded random f32 weights, for tests: no registry
 * ships a GGUF model, and this one is small (about 0.3 MB) and made in milliseconds.
 *
 * <p>Vocabulary: SentencePiece-style ({@code tokenizer.ggml.model = "llama"}) with {@code <unk>},
 * {@code <s>}, {@code </s>} and the 256 byte tokens {@code <0x00>..<0xFF>}, so llama.cpp's byte fallback
 * tokenizes any UTF-8 text. The chat template is ChatML.
 *
 * <p>The weights are random except for one trick: every token embedding carries a large constant in
 * dimension 0, and the output row of each printable ASCII byte (0x20..0x7E) weighs that dimension +1 while
 * every other token weighs it -1. The layers add only small values to the residual stream, so the model
 * always emits printable ASCII: answers are readable JSON strings, one token per character, and never
 * split a UTF-8 sequence. It never emits {@code </s>}, so an answer ends at max_tokens or a stop string.
 */
public final class TinyLlama {
    public static final int UNK = 0, BOS = 1, EOS = 2, FIRST_BYTE = 3;
    public static final int VOCAB = FIRST_BYTE + 256;

    /** ChatML, which llama.cpp also recognises without a Jinja engine. */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /**
     * {@code TINY} (0.3 MB, ~0.6 ms a token) is for tests; {@code GPT2_SMALL_SHAPED} (768 wide, 12 layers, ~85 M f32
     * weights, ~340 MB) costs per token what a small real model does on a CPU, for benchmarks whose result depends
     * on the time a token takes.
     */
    public enum Size {
        TINY(64, 4, 128, 2), GPT2_SMALL_SHAPED(768, 12, 2048, 12);

        final int embd, heads, ff, layers;

        Size(int embd, int heads, int ff, int layers) {
            this.embd = embd;
            this.heads = heads;
            this.ff = ff;
            this.layers = layers;
        }
    }

    private final int embd, heads, kvHeads, ff, layers, context = 1024;
    /** Keeps each layer's contribution as small relative to dimension 0 as in TINY (1 for TINY: the same bytes). */
    private final float wide, deep;

    private TinyLlama(Size size) {
        embd = size.embd;
        heads = size.heads;
        kvHeads = size.heads;
        ff = size.ff;
        layers = size.layers;
        wide = (float) Math.sqrt(64.0 / embd);
        deep = (float) Math.sqrt(128.0 / ff);
    }

    /** Writes the model for {@code seed} to {@code file}; the same seed gives the same bytes. */
    public static void write(Path file, long seed) throws IOException {
        write(file, seed, Size.TINY);
    }

    /** Writes a model of {@code size} for {@code seed}; the same arguments give the same bytes. */
    public static void write(Path file, long seed, Size size) throws IOException {
        new TinyLlama(size).writer(seed).write(file);
    }

    GgufWriter writer(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", "verity-tiny-llama-" + seed)
                .putU32("general.alignment", GgufWriter.ALIGNMENT)
                .putU32("llama.context_length", context)
                .putU32("llama.embedding_length", embd)
                .putU32("llama.block_count", layers)
                .putU32("llama.feed_forward_length", ff)
                .putU32("llama.attention.head_count", heads)
                .putU32("llama.attention.head_count_kv", kvHeads)
                .putU32("llama.rope.dimension_count", embd / heads)
                .putF32("llama.rope.freq_base", 10000f)
                .putF32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putU32("llama.vocab_size", VOCAB);
        List<String> tokens = new ArrayList<>(VOCAB);
        int[] types = new int[VOCAB];
        tokens.add("<unk>");
        types[UNK] = 2; // UNKNOWN
        tokens.add("<s>");
        types[BOS] = 3; // CONTROL
        tokens.add("</s>");
        types[EOS] = 3;
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types[FIRST_BYTE + b] = 6; // BYTE
        }
        w.putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putF32s("tokenizer.ggml.scores", new float[VOCAB])
                .putI32s("tokenizer.ggml.token_type", types)
                .putU32("tokenizer.ggml.unknown_token_id", UNK)
                .putU32("tokenizer.ggml.bos_token_id", BOS)
                .putU32("tokenizer.ggml.eos_token_id", EOS)
                .putBool("tokenizer.ggml.add_bos_token", true)
                .putBool("tokenizer.ggml.add_eos_token", false)
                .putBool("tokenizer.ggml.add_space_prefix", false)
                .putString("tokenizer.chat_template", CHAT_TEMPLATE);

        float[] embedding = random(rnd, VOCAB * embd, 0.3f);
        for (int t = 0; t < VOCAB; t++) embedding[t * embd] = 4f;
        w.addTensor("token_embd.weight", new long[] {embd, VOCAB}, embedding);
        int headDim = embd / heads;
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            w.addTensor(p + "attn_norm.weight", new long[] {embd}, ones(embd));
            w.addTensor(p + "attn_q.weight", new long[] {embd, embd}, random(rnd, embd * embd, 0.2f * wide));
            w.addTensor(p + "attn_k.weight", new long[] {embd, headDim * kvHeads}, random(rnd, embd * headDim * kvHeads, 0.2f * wide));
            w.addTensor(p + "attn_v.weight", new long[] {embd, headDim * kvHeads}, random(rnd, embd * headDim * kvHeads, 0.2f * wide));
            w.addTensor(p + "attn_output.weight", new long[] {embd, embd}, random(rnd, embd * embd, 0.02f * wide));
            w.addTensor(p + "ffn_norm.weight", new long[] {embd}, ones(embd));
            w.addTensor(p + "ffn_gate.weight", new long[] {embd, ff}, random(rnd, embd * ff, 0.2f * wide));
            w.addTensor(p + "ffn_up.weight", new long[] {embd, ff}, random(rnd, embd * ff, 0.2f * wide));
            w.addTensor(p + "ffn_down.weight", new long[] {ff, embd}, random(rnd, ff * embd, 0.02f * deep));
        }
        w.addTensor("output_norm.weight", new long[] {embd}, ones(embd));
        float[] output = random(rnd, VOCAB * embd, wide);
        for (int t = 0; t < VOCAB; t++) {
            int b = t - FIRST_BYTE;
            output[t * embd] = b >= 0x20 && b <= 0x7E ? 1f : -1f;
        }
        w.addTensor("output.weight", new long[] {embd, VOCAB}, output);
        return w;
    }

    private static float[] random(SplittableRandom rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return a;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
