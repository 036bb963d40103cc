package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Golden;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorDigests;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Tensors in the JSON form with digests from an independent JavaScript encoder (golden/tensors, see the README):
 * checks the JSON reader and the canonical encoding together.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class TensorGoldenTest {
    final JsonNode golden = Golden.load("tensors/vectors.json");

    @Test
    void every_tensor_reads_and_digests_as_the_javascript_encoder_says() {
        JsonNode tensors = golden.get("tensors");
        assertThat(tensors.size()).isGreaterThanOrEqualTo(15);
        for (JsonNode t : tensors) {
            Tensor tensor = TensorJson.read(t, "");
            assertThat(TensorDigests.tensorDigest(tensor)).as("digest of %s", tensor)
                    .isEqualTo(Keccak256.parse(t.get("digest").asText()));
        }
    }

    @Test
    void the_set_digests_as_the_javascript_encoder_says_in_any_order() {
        List<Tensor> tensors = new ArrayList<>(TensorJson.readList(golden.get("tensors"), "/tensors"));
        Keccak256 expected = Keccak256.parse(golden.get("tensorsDigest").asText());
        assertThat(TensorDigests.tensorsDigest(tensors)).isEqualTo(expected);
        Collections.reverse(tensors);
        assertThat(TensorDigests.tensorsDigest(tensors)).isEqualTo(expected);
    }
}
