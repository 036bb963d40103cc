package io.verity.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.verity.engine.det.DeterministicEngine;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import java.nio.file.Path;
import java.util.Arrays;
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
        onOrt = SentenceEmbedder.of(ort.load(bundle.digest(), bundle.onnx()), bundle.tokenizer(), TextModel.ALL_MINILM_L6_V2.maxTokens());
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
    void an_empty_string_is_refused_with_a_clear_message() {
        assertThatThrownBy(() -> onOrt.embed("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input must not be an empty string");
        assertThatThrownBy(() -> onOrt.embedIds(new int[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input must hold at least one token");
    }

    @Test
    void a_long_text_is_cut_to_max_tokens_keeping_sep() {
        String word = "verifiable inference ";
        String longText = word.repeat(400); // 800 word pieces
        var e = onOrt.embed(longText);
        assertThat(e.tokens()).isEqualTo(256);
        assertThat(e.truncated()).isTrue();
        int[] ids = bundle.tokenizer().encode(longText);
        int[] cut = Arrays.copyOf(ids, 256);
        cut[255] = bundle.tokenizer().sepId();
        assertThat(onOrt.embedIds(cut).vector()).isEqualTo(e.vector());
        assertThat(onOrt.embed("verifiable inference").truncated()).isFalse();
    }

    @Test
    void under_the_deterministic_engine_the_vectors_match_ort_and_are_bit_identical_across_runs_and_threads() {
        List<String> texts = List.of(TEXTS.get(0), TEXTS.get(3), TEXTS.get(4), TEXTS.get(6));
        try (var one = DeterministicEngine.create(1, false); var two = DeterministicEngine.create(2, true)) {
            var det1 = SentenceEmbedder.of(one.load(bundle.digest(), bundle.onnx()), bundle.tokenizer(), 256);
            var det2 = SentenceEmbedder.of(two.load(bundle.digest(), bundle.onnx()), bundle.tokenizer(), 256);
            for (String t : texts) {
                long t0 = System.nanoTime();
                float[] a = det1.embed(t).vector();
                long t1 = System.nanoTime();
                float[] b = det1.embed(t).vector();
                float[] c = det2.embed(t).vector();
                long t2 = System.nanoTime();
                float[] o = onOrt.embed(t).vector();
                long t3 = System.nanoTime();
                System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2 %d tokens: det 1 thread %.1f ms, det 2 threads+trace %.1f ms, ORT %.1f ms%n",
                        det1.embed(t).tokens(), (t1 - t0) / 1e6, (t2 - t1) / 1e6 / 2, (t3 - t2) / 1e6);
                assertThat(bits(b)).as("second run, %s", t).isEqualTo(bits(a));
                assertThat(bits(c)).as("2 threads, %s", t).isEqualTo(bits(a));
                assertThat(cosine(a, o)).as("cosine det vs ORT for %s", t).isGreaterThanOrEqualTo(COSINE);
            }
        }
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
