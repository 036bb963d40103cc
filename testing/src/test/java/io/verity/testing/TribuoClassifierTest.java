package io.verity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class TribuoClassifierTest {

    @Test
    void samples_are_seeded_and_cycle_through_the_class_centres() {
        float[][] a = TribuoClassifier.samples(300, 5);

        assertThat(TribuoClassifier.samples(300, 5)).isDeepEqualTo(a);
        double[] meanOfA = new double[4];
        for (int i = 0; i < 300; i += 3) for (int f = 0; f < 4; f++) meanOfA[f] += a[i][f] / 100;
        double[] centre = TribuoClassifier.CENTRES.get("a");
        for (int f = 0; f < 4; f++) assertThat(meanOfA[f]).as("feature %d", f).isBetween(centre[f] - 0.2, centre[f] + 0.2);
    }

    @Test
    void probabilities_are_a_distribution_over_the_labels() {
        TribuoClassifier c = TribuoClassifier.train(3);
        double[] p = c.probabilities(new float[] {1, 1, 0, 0});

        assertThat(c.labels()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(p[0] + p[1] + p[2]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(c.predict(new float[] {1, 1, 0, 0})).isEqualTo("a");
    }

    @Test
    void rejects_wrong_feature_counts_and_sample_sizes() {
        TribuoClassifier c = TribuoClassifier.train(3);

        assertThatThrownBy(() -> c.probabilities(new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("features must have 4 values, got 3");
        assertThatThrownBy(() -> TribuoClassifier.samples(0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("n must be between 1 and 100000, got 0");
    }
}
