package io.verity.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.tensor.TensorDigests;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The embeddings answer's digest (issue 17): one digest for both encodings, exact float bits through JSON. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EmbeddingDigestsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** An answer as the node writes it: floats as the doubles they equal, or base64; data in the given order. */
    static ObjectNode answer(float[][] v, long tokens, boolean base64, boolean reversed) {
        ObjectNode a = JSON.createObjectNode().put("object", "list");
        ArrayNode data = a.putArray("data");
        for (int k = 0; k < v.length; k++) {
            int i = reversed ? v.length - 1 - k : k;
            ObjectNode d = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                d.put("embedding", EmbeddingDigests.base64(v[i]));
            } else {
                ArrayNode e = d.putArray("embedding");
                for (float x : v[i]) e.add((double) x);
            }
        }
        a.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return a;
    }

    @Property(tries = 50)
    void json_floats_and_base64_give_the_vectors_own_digest_after_a_round_trip_through_text(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] v = new float[1 + r.nextInt(3)][16];
        for (float[] row : v) {
            for (int j = 0; j < row.length; j++) { // any finite float: every exponent, subnormals too
                float x = Float.intBitsToFloat(r.nextInt());
                row[j] = Float.isFinite(x) ? x : (float) r.nextDouble(-1, 1);
            }
        }
        var expected = TensorDigests.tensorsDigest(EmbeddingDigests.outputs(v, 7));
        for (boolean base64 : new boolean[] {false, true}) {
            JsonNode sent = JSON.readTree(JSON.writeValueAsString(answer(v, 7, base64, r.nextBoolean())));
            assertThat(EmbeddingDigests.response(sent)).as("base64 %s", base64).isEqualTo(expected);
        }
    }

    @Test
    void another_token_count_or_vector_is_another_digest() {
        float[][] v = {{0.5f, -0.25f}};
        var d = EmbeddingDigests.response(answer(v, 3, false, false));
        assertThat(EmbeddingDigests.response(answer(v, 4, false, false))).isNotEqualTo(d);
        assertThat(EmbeddingDigests.response(answer(new float[][] {{0.5f, Math.nextUp(-0.25f)}}, 3, false, false))).isNotEqualTo(d);
    }

    @Test
    void a_malformed_answer_is_refused_naming_what_is_wrong() throws Exception {
        assertThatThrownBy(() -> EmbeddingDigests.response(JSON.readTree("{\"data\":[{\"index\":1,\"embedding\":[1]}],"
                + "\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}"))).hasMessageContaining("data[].index");
        assertThatThrownBy(() -> EmbeddingDigests.response(JSON.readTree("{\"data\":[{\"index\":0,\"embedding\":[1]},"
                + "{\"index\":1,\"embedding\":[1,2]}],\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}")))
                .hasMessageContaining("embedding 1 has 2 dimensions");
        assertThatThrownBy(() -> EmbeddingDigests.response(JSON.readTree("{\"data\":[{\"index\":0,\"embedding\":\"AAA\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}"))).hasMessageContaining("base64");
        assertThatThrownBy(() -> EmbeddingDigests.response(JSON.readTree("{\"data\":[{\"index\":0,\"embedding\":[\"x\"]}],"
                + "\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}"))).hasMessageContaining("embedding[0]");
        assertThatThrownBy(() -> EmbeddingDigests.response(JSON.readTree("{\"data\":[{\"index\":0,\"embedding\":[1]}],"
                + "\"usage\":{\"prompt_tokens\":1,\"total_tokens\":2}}"))).hasMessageContaining("usage");
    }
}
