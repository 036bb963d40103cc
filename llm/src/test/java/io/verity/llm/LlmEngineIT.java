package io.verity.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.llm.gguf.TinyLlama;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** llama.cpp (de.kherud:llama) in its child process, on the generated tiny GGUF. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class LlmEngineIT {
    static Path dir;
    static Path model;
    static LlmEngine engine;
    static final List<ChatMessage> HELLO = List.of(new ChatMessage("system", "be brief"), new ChatMessage("user", "Hello"));

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("llm-it");
        model = dir.resolve("tiny.gguf");
        TinyLlama.write(model, 1);
        engine = LlmEngine.start(model, 2, Path.of("target", "llama-worker.log"));
    }

    @AfterAll
    static void stop() {
        if (engine != null) engine.close();
    }

    @Test
    void greedy_chat_generates_max_tokens_of_printable_text_from_the_gguf_chat_template() {
        Completion c = engine.chat(HELLO, new Sampling(0, 1, 0, 10), List.of(), null, null);
        assertThat(c.prompt()).isEqualTo("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n"
                + "<|im_start|>assistant\n");
        assertThat(c.completionTokens()).isEqualTo(10);
        assertThat(c.text()).hasSize(10).matches("[\\x20-\\x7e]+");
        assertThat(c.finishReason()).isEqualTo("length");
        // byte-level vocabulary: at least one token per prompt byte, plus BOS
        assertThat(c.promptTokens()).isGreaterThan(c.prompt().length());
    }

    @Test
    void greedy_output_is_reproduced_by_another_process_and_seeded_sampling_by_its_seed() throws IOException {
        Sampling seeded = new Sampling(0.9, 0.95, 7, 16);
        Completion greedy = engine.chat(HELLO, new Sampling(0, 1, 0, 16), List.of(), null, null);
        Completion sampled = engine.chat(HELLO, seeded, List.of(), null, null);
        try (LlmEngine other = LlmEngine.start(model, 1, null)) {
            assertThat(other.modelDigest()).isEqualTo(engine.modelDigest());
            assertThat(other.chat(HELLO, new Sampling(0, 1, 0, 16), List.of(), null, null)).isEqualTo(greedy);
            assertThat(other.chat(HELLO, seeded, List.of(), null, null)).isEqualTo(sampled);
        }
        assertThat(engine.chat(HELLO, new Sampling(0.9, 0.95, 8, 16), List.of(), null, null).text())
                .isNotEqualTo(sampled.text());
    }

    @Test
    void streamed_tokens_add_up_to_the_text_and_the_token_count() {
        List<String> tokens = new ArrayList<>();
        Completion c = engine.chat(HELLO, new Sampling(0.5, 1, 3, 12), List.of(), null, tokens::add);
        assertThat(String.join("", tokens)).isEqualTo(c.text());
        assertThat(tokens).hasSize(c.completionTokens());
    }

    @Test
    void a_stop_string_ends_the_answer_before_it() {
        Completion full = engine.complete("abc", new Sampling(0, 1, 0, 12), List.of(), null, null);
        String stop = full.text().substring(3, 4);
        Completion c = engine.complete("abc", new Sampling(0, 1, 0, 12), List.of(stop), null, null);
        assertThat(c.text()).isEqualTo(full.text().substring(0, full.text().indexOf(stop)));
        assertThat(c.finishReason()).isEqualTo("stop");
    }

    @Test
    void a_file_that_is_not_gguf_is_refused_before_a_process_starts() throws IOException {
        Path bad = dir.resolve("bad.gguf");
        Files.writeString(bad, "not a model at all, just some text of sufficient length");
        assertThatThrownBy(() -> LlmEngine.start(bad, 1, null)).isInstanceOf(LlmException.class)
                .hasMessageContaining("is not a GGUF file");
    }
}
