package io.verity.llm.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.llm.gguf.GgufMetadata;
import io.verity.llm.gguf.GgufWriter;
import io.verity.llm.gguf.TinyLlama;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GgufWriterTest {
    @TempDir Path dir;

    @Test
    void header_is_gguf_v3_with_counts_little_endian() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new GgufWriter().putU32("a.b", 7).addTensor("t", new long[] {3}, new float[] {1, 2, 3}).write(out);
        ByteBuffer b = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(out.toByteArray(), 0, 4)).isEqualTo("GGUF");
        b.position(4);
        assertThat(b.getInt()).isEqualTo(3);
        assertThat(b.getLong()).as("tensors").isEqualTo(1);
        assertThat(b.getLong()).as("kvs").isEqualTo(1);
        // data section is aligned, and holds the floats at its start
        int len = out.size();
        assertThat(len % GgufWriter.ALIGNMENT).isZero();
        assertThat(b.getFloat(len - GgufWriter.ALIGNMENT)).isEqualTo(1f);
        assertThat(b.getFloat(len - GgufWriter.ALIGNMENT + 8)).isEqualTo(3f);
    }

    @Test
    void metadata_round_trips_through_the_reader() throws IOException {
        Path f = dir.resolve("m.gguf");
        TinyLlama.write(f, 3);
        GgufMetadata m = GgufMetadata.read(f);
        assertThat(m.string("general.architecture")).isEqualTo("llama");
        assertThat(m.string("tokenizer.ggml.model")).isEqualTo("llama");
        assertThat(m.string("tokenizer.chat_template")).isEqualTo(TinyLlama.CHAT_TEMPLATE);
        assertThat(m.values().get("llama.block_count")).isEqualTo(2L);
        assertThat(m.values().get("llama.attention.layer_norm_rms_epsilon")).isEqualTo(1e-5f);
        assertThat(m.addsBos()).isTrue();
    }

    @Test
    void the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() throws IOException {
        TinyLlama.write(dir.resolve("a"), 1);
        TinyLlama.write(dir.resolve("b"), 1);
        TinyLlama.write(dir.resolve("c"), 2);
        assertThat(Files.readAllBytes(dir.resolve("a"))).isEqualTo(Files.readAllBytes(dir.resolve("b")));
        assertThat(Files.readAllBytes(dir.resolve("a"))).isNotEqualTo(Files.readAllBytes(dir.resolve("c")));
    }

    @Test
    void rejects_a_tensor_whose_dimensions_do_not_match_its_data() {
        assertThatThrownBy(() -> new GgufWriter().addTensor("w", new long[] {2, 3}, new float[5]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor w: dimensions hold 6 floats, data has 5");
    }

    @Test
    void reader_refuses_a_file_that_is_not_gguf() throws IOException {
        Path f = dir.resolve("x.onnx");
        Files.write(f, new byte[] {8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
        assertThatThrownBy(() -> GgufMetadata.read(f)).isInstanceOf(IOException.class)
                .hasMessageContaining("is not a GGUF file");
    }
}
