package io.verity.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.StrictJson;
import java.util.Optional;

/**
 * Coverage-guided fuzzing (Jazzer) of the node's OpenAI request parser, {@link OpenAiRequests#check}, for both
 * routes: the strict JSON read, every field, and the {@code response_format} and tool schemas against what
 * llama.cpp's converter takes (issue 13: such schemas aborted or exhausted the worker). Any body is refused with
 * an {@link InvalidFieldException} whose pointer lies in the document, or accepted; and the verdict depends on
 * the document, not its spelling: the same document written out again by Jackson gets the same verdict and the
 * same pointer. Seeds (the poison requests among them) and past findings:
 * {@code src/test/resources/io/verity/node/OpenAiRequestFuzzTestInputs/}; docs/security.md, "Fuzzing".
 */
class OpenAiRequestFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "6s")
    @DictionaryEntries({"\"model\"", "\"messages\"", "\"prompt\"", "\"role\"", "\"content\"", "\"max_tokens\"",
            "\"temperature\"", "\"seed\"", "\"stop\"", "\"n\"", "\"stream\"", "\"tools\"", "\"tool_choice\"",
            "\"function\"", "\"parameters\"", "\"response_format\"", "\"json_schema\"", "\"schema\"", "\"type\"",
            "\"properties\"", "\"items\"", "\"$ref\"", "\"#/$defs/a\"", "\"$defs\"", "\"pattern\"", "\"minLength\"",
            "\"maxItems\"", "\"enum\"", "\"const\"", "\"anyOf\"", "\"string\"", "\"object\"", "\"array\"", "\"integer\""})
    void requests_are_refused_with_a_pointer_or_parsed_the_same_way_twice(byte[] body) throws Exception {
        for (boolean chat : new boolean[] {true, false}) {
            Optional<String> verdict = verdict(body, chat);
            verdict.ifPresent(pointer -> assertThat(pointer)
                    .satisfiesAnyOf(p -> assertThat(p).isEmpty(), p -> assertThat(p).startsWith("/")));
            byte[] respelled;
            try {
                respelled = JSON.writeValueAsBytes(StrictJson.standard().read(body));
            } catch (InvalidFieldException notOneDocument) {
                assertThat(verdict).as("a body StrictJson refuses is refused").isPresent();
                continue;
            }
            assertThat(verdict(respelled, chat)).as("the verdict on the same document written again").isEqualTo(verdict);
        }
    }

    /** Empty when accepted, else the first refused field's pointer. */
    private static Optional<String> verdict(byte[] body, boolean chat) {
        try {
            OpenAiRequests.check(body, chat);
            return Optional.empty();
        } catch (InvalidFieldException e) {
            assertThat(e.errors()).isNotEmpty();
            return Optional.of(e.errors().get(0).pointer());
        }
    }
}
