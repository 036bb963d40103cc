package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * The shipped models still produce the output bits and trace roots recorded for verity-det/2
 * (src/test/resources/golden/det/README.md): any arithmetic change must come with a new engine id.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class GoldenDigestsIT {
    @Test
    void shipped_models_reproduce_the_recorded_verity_det_2_digests() throws Exception {
        String want;
        try (InputStream in = GoldenDigestsIT.class.getResourceAsStream("/golden/det/real-model-digests.txt")) {
            want = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(DeterministicEngine.ID).isEqualTo("verity-det/2");
        assertThat(DigestMain.digests(2, CrossJvmDeterminismIT.ALL)).isEqualTo(want);
    }
}
