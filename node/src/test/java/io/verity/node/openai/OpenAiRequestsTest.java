package io.verity.node.openai;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.json.InvalidFieldException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The fuzzing entry of the OpenAI request parser: accepts or refuses with InvalidFieldException, nothing else. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OpenAiRequestsTest {
    static final String OK = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\","
            + "\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}}}],"
            + "\"tool_choice\":\"required\",\"max_tokens\":5,\"temperature\":0}";

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void accepts_a_valid_request_and_refuses_poison_naming_the_field() {
        assertThatCode(() -> OpenAiRequests.check(utf8(OK), true)).doesNotThrowAnyException();
        assertThatThrownBy(() -> OpenAiRequests.check(utf8(OK.replace("\"string\"", "\"nonsense\"")), true))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> org.assertj.core.api.Assertions.assertThat(
                        e.errors().get(0).pointer()).isEqualTo("/tools/0/function/parameters/properties/a/type"));
        assertThatThrownBy(() -> OpenAiRequests.check(utf8("{\"model\":\"m\",\"prompt\":\"\\udc00\"}"), false))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> org.assertj.core.api.Assertions.assertThat(
                        e.errors().get(0).pointer()).isEqualTo("/prompt"));
    }

    /** A seeded stand-in for the fuzzer: mutated bytes of a valid request never escape as anything but a refusal. */
    @Test
    void mutated_requests_are_accepted_or_refused_never_crash() {
        long seed = 13;
        SplittableRandom random = new SplittableRandom(seed);
        byte[] base = utf8(OK);
        String alphabet = "{}[]\":,0123456789-.eE\\u tfnrlsa$#/^()*+?|";
        for (int i = 0; i < 5000; i++) {
            byte[] b = base.clone();
            for (int k = random.nextInt(1, 4); k > 0; k--) b[random.nextInt(b.length)] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
            byte[] input = b;
            assertThatCode(() -> {
                try {
                    OpenAiRequests.check(input, random.nextBoolean());
                } catch (InvalidFieldException refused) {
                    // the only allowed failure
                }
            }).as("seed %d, input %s", seed, new String(input, StandardCharsets.UTF_8)).doesNotThrowAnyException();
        }
    }
}
