package io.verity.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class RealInputsTest {

    @Test
    void vad_inputs_are_one_window_zero_state_and_16_khz() {
        List<Tensor> v5 = RealInputs.sileroVadV5(7);

        assertThat(v5).extracting(Tensor::name).containsExactly("input", "state", "sr");
        assertThat(v5.get(0).shape()).isEqualTo(Shape.of(1, 512));
        assertThat(v5.get(1).floats()).containsOnly(0f);
        assertThat(v5.get(2).shape()).isEqualTo(Shape.of());
        assertThat(v5.get(2).longs()).containsExactly(16_000L);
        assertThat(RealInputs.sileroVadLegacy(7)).extracting(Tensor::name).containsExactly("input", "sr", "h", "c");
    }

    @Test
    void the_tone_is_seeded_bounded_and_not_silent() {
        float[] a = RealInputs.tone(1);

        assertThat(RealInputs.tone(1)).containsExactly(a);
        assertThat(RealInputs.tone(2)).isNotEqualTo(a);
        double energy = 0;
        for (float s : a) {
            assertThat(s).isBetween(-0.6f, 0.6f);
            energy += s * s;
        }
        assertThat(energy / a.length).as("mean power of a 0.5 sine is 0.125").isBetween(0.11, 0.14);
    }

    @Test
    void ocr_images_are_chw_float32_white_background_with_dark_text() {
        Tensor cls = RealInputs.paddleOcrCls("Hello").getFirst();

        assertThat(cls.dtype()).isEqualTo(DType.FLOAT32);
        assertThat(cls.shape()).isEqualTo(Shape.of(1, 3, 48, 192));
        float[] x = cls.floats();
        assertThat(x[0]).as("white normalises to +1").isEqualTo(1f);
        float min = 1;
        for (float v : x) min = Math.min(min, v);
        assertThat(min).as("text pixels are dark").isLessThan(-0.5f);
        assertThat(RealInputs.paddleOcrDet("Hi", 64, 96).getFirst().shape()).isEqualTo(Shape.of(1, 3, 64, 96));
        assertThat(RealInputs.paddleOcrRec("Hi", 100).getFirst().shape()).isEqualTo(Shape.of(1, 3, 48, 100));
    }

    @Test
    void rejects_detector_sizes_that_are_not_multiples_of_32() {
        assertThatThrownBy(() -> RealInputs.paddleOcrDet("x", 50, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("height must be a positive multiple of 32 up to 4096, got 50");
        assertThatThrownBy(() -> RealInputs.paddleOcrRec("x", 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("width must be between 48 and 4096, got 10");
    }
}
