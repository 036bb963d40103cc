package io.verity.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.engine.onnxruntime.OnnxRuntimeSettings.Optimization;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(ReplaceUnderscores.class)
class OnnxRuntimeSettingsTest {

    @Test
    void defaults_are_one_thread_each_and_extended_optimization_with_no_id_suffix() {
        OnnxRuntimeSettings d = OnnxRuntimeSettings.defaults();

        assertThat(d).isEqualTo(new OnnxRuntimeSettings(1, 1, Optimization.EXTENDED));
        assertThat(d.idSuffix()).isEmpty();
    }

    @Test
    void settings_that_can_change_results_appear_in_the_id_suffix() {
        OnnxRuntimeSettings d = OnnxRuntimeSettings.defaults();

        assertThat(d.withOptimization(Optimization.ALL).idSuffix()).isEqualTo("/opt=all");
        assertThat(d.withOptimization(Optimization.DISABLED).idSuffix()).isEqualTo("/opt=none");
        assertThat(d.withIntraOpThreads(4).idSuffix()).isEqualTo("/intra=4");
        assertThat(d.withOptimization(Optimization.BASIC).withIntraOpThreads(2).idSuffix())
                .isEqualTo("/opt=basic/intra=2");
    }

    @Test
    void inter_op_threads_do_not_change_the_id() {
        assertThat(OnnxRuntimeSettings.defaults().withInterOpThreads(8).idSuffix()).isEmpty();
    }

    @Test
    void rejects_thread_counts_outside_1_to_256_naming_the_field() {
        assertThatThrownBy(() -> OnnxRuntimeSettings.defaults().withIntraOpThreads(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("intraOpThreads must be between 1 and 256, got 0");
        assertThatThrownBy(() -> OnnxRuntimeSettings.defaults().withInterOpThreads(257))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("interOpThreads must be between 1 and 256, got 257");
        assertThatThrownBy(() -> new OnnxRuntimeSettings(1, 1, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("optimization");
    }
}
