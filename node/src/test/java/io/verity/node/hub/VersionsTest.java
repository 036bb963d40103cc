package io.verity.node.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class VersionsTest {

    @Test
    void orders_semantic_versions_with_pre_releases_before_their_release() {
        // The pre-release part follows the example list in semver.org section 11.
        List<String> expected = List.of("0.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2", "1.9.9", "1.10.0", "2", "10");
        assertSortsBack(expected, 20261124);
    }

    @Test
    void orders_other_version_strings_naturally() {
        List<String> expected = List.of("v1", "v2", "v10", "v10a", "v10b");
        assertSortsBack(expected, 7);
    }

    /** {@code expected}, shuffled with {@code seed} and sorted by {@link Versions#ORDER}, is itself again. */
    private static void assertSortsBack(List<String> expected, long seed) {
        List<String> shuffled = new ArrayList<>(expected);
        Collections.shuffle(shuffled, new Random(seed));
        shuffled.sort(Versions.ORDER);
        assertThat(shuffled).isEqualTo(expected);
    }

    @Test
    void ignores_build_metadata_but_stays_a_total_order() {
        assertThat(Versions.compare("1.0.0+build.5", "1.0.1")).isNegative();
        assertThat(Versions.compare("1.0", "1.00")).isNotZero();
        assertThat(Versions.compare("1.0", "1.0")).isZero();
    }
}
