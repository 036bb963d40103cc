package io.verity.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WordPieceTokenizer} against HuggingFace {@code tokenizers} itself (the Rust library, through DJL's binding
 * that langchain4j uses), on the bundled all-MiniLM-L6-v2 {@code tokenizer.json}: the same ids for hand-picked
 * hard cases and for seeded random text drawn from the character classes BERT treats specially.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class WordPieceTokenizerReferenceIT {
    static final long SEED = 17;
    @TempDir
    static Path dir;
    static WordPieceTokenizer ours;
    static HuggingFaceTokenizer reference;

    @BeforeAll
    static void load() throws IOException {
        BundledMiniLm bundle = BundledMiniLm.extract(TextModel.ALL_MINILM_L6_V2_Q, dir);
        ours = bundle.tokenizer();
        // the file asks for truncation at 128 and padding to 128; the comparison is of the untruncated ids
        reference = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bundle.tokenizerJson()),
                Map.of("padding", "false", "truncation", "false"));
    }

    @Test
    void hand_picked_hard_cases_give_the_reference_ids() {
        for (String t : SentenceEmbedderIT.TEXTS) assertSame(t);
        for (String t : List.of("", " ", "\u0000\ufffd", "İstanbul ΣΑΣ", "ﬁnance ½ ① ＡＢＣ", "x".repeat(101), "x".repeat(100),
                "[CLS][SEP][PAD][UNK]", "[MASK]mid[MASK]", "[mask] lower", "\u0301accent-first", "a\u00adsoft hyphen",
                "𠀀𪜀 U+20000 and U+2A700", "日本語テキスト", "한국어 텍스트", "عربي", "हिन्दी", "\t\u000b\u000c\u0085\u2028")) {
            assertSame(t);
        }
    }

    @Test
    void seeded_random_text_gives_the_reference_ids() {
        Random r = new Random(SEED);
        int[][] pools = {
            {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E}, {0xA0, 0x17F}, {0x300, 0x36F}, {0x370, 0x3FF}, {0x400, 0x4FF},
            {0x4E00, 0x4E80}, {0x3040, 0x30FF}, {0xAC00, 0xAC40}, {0x2000, 0x206F}, {0x1F600, 0x1F64F}, {0x0, 0x1F},
            {0xFF00, 0xFF5E}, {0xE000, 0xE010}, {0x20000, 0x20010}, {0x600, 0x6FF}, {0x900, 0x97F}
        };
        String[] specials = {"[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "##", " "};
        for (int i = 0; i < 3000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(40);
            for (int k = 0; k < n; k++) {
                if (r.nextInt(20) == 0) {
                    b.append(specials[r.nextInt(specials.length)]);
                } else {
                    int[] p = pools[r.nextInt(pools.length)];
                    b.appendCodePoint(p[0] + r.nextInt(p[1] - p[0] + 1));
                }
            }
            assertSame(b.toString());
        }
    }

    @Test
    void english_prose_gives_the_reference_ids() {
        String prose = """
                Verity is a network for verifiable inference. A node runs a model and signs a receipt over the
                digests of the input and the output; a gateway routes requests, checks receipts, and, for the
                deterministic engine, replays an answer bit for bit. Disputes settle on chain: the bisection game
                narrows a disagreement down to one operator, which the contract re-executes.""";
        List<String> sentences = new ArrayList<>(Arrays.asList(prose.split("(?<=[.;:])\\s+")));
        sentences.add(prose);
        for (String s : sentences) assertSame(s);
    }

    /**
     * Every code point between two letters, except the private-use planes 15 and 16 (one category, 131k code
     * points; a sample of them is checked): catches a JDK whose Unicode tables classify a code point differently
     * from the reference's, which {@link ReferenceUnicode} must then learn.
     */
    @Test
    void every_code_point_outside_private_use_gives_the_reference_ids() {
        List<String> differ = new ArrayList<>();
        for (int c = 0; c <= 0xF0010; c++) {
            if (c >= 0xD800 && c <= 0xDFFF) continue;
            if (c > 0x3FFFF && c < 0xE0000) c = 0xE0000; // planes 4-13 are unassigned
            String text = "a" + Character.toString(c) + "b";
            long[] want = reference.encode(text).getIds();
            if (!Arrays.equals(Arrays.stream(ours.encode(text)).asLongStream().toArray(), want)) differ.add(String.format("U+%04X", c));
        }
        assertThat(differ).as("code points tokenized unlike the reference").isEmpty();
    }

    static void assertSame(String text) {
        long[] want = reference.encode(text).getIds();
        int[] got = ours.encode(text);
        assertThat(Arrays.stream(got).asLongStream().toArray()).as("ids of %s (%s)", text, codePoints(text)).isEqualTo(want);
    }

    static String codePoints(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> b.append(String.format("U+%04X ", c)));
        return b.toString().trim();
    }
}
