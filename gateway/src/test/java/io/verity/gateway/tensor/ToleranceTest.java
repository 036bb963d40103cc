package io.verity.gateway.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When two tensor answers from non-deterministic engines count as the same. */
class ToleranceTest {
    @Test
    void toleranceComparesFloatsWithinBoundsAndEverythingElseExactly() {
        Tolerance t = new Tolerance(1e-5, 1e-4);
        Tensor a = Tensor.ofFloats("y", Shape.of(2), 1.0f, 100.0f);
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(2), 1.000005f, 100.009f)))).isTrue();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(2), 1.001f, 100.0f)))).isFalse();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("z", Shape.of(2), 1.0f, 100.0f)))).as("name").isFalse();
        assertThat(t.same(List.of(a), List.of(Tensor.ofFloats("y", Shape.of(1, 2), 1.0f, 100.0f)))).as("shape").isFalse();
        assertThat(t.same(List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)), List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)))).isTrue();
        assertThat(t.same(List.of(Tensor.ofFloats("y", Shape.of(1), Float.NaN)), List.of(Tensor.ofFloats("y", Shape.of(1), 0f)))).isFalse();
        assertThat(t.same(List.of(Tensor.ofLongs("k", Shape.of(1), 3)), List.of(Tensor.ofLongs("k", Shape.of(1), 4)))).isFalse();
    }
}
