package io.verity.node.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.engine.det.DeterministicEngine;
import org.junit.jupiter.api.Test;

/** A node re-executes a receipt under the contract the receipt names: its own det engine's, or one made for it. */
class EnginesTest {
    @Test
    void the_serving_engine_for_its_own_contract_another_for_the_other_and_none_for_an_unknown_id() {
        DeterministicEngine serving = DeterministicEngine.create(1, true, DeterministicEngine.ID_V3);
        Engines engines = new Engines(serving, 1, DeterministicEngine.ID_V3);
        try (engines) {
            assertThat(engines.deterministic("verity-det/3")).containsSame(serving);
            DeterministicEngine two = engines.deterministic("verity-det/2").orElseThrow();
            assertThat(two.id()).isEqualTo("verity-det/2");
            assertThat(engines.deterministic("verity-det/2")).as("made once").containsSame(two);
            assertThat(engines.deterministic("verity-det/1")).isEmpty();
            assertThat(engines.deterministic("onnxruntime/1.23.2/cpu")).isEmpty();
        }
        assertThatThrownBy(() -> engines.deterministic("verity-det/2")).hasMessage("engines are closed");
    }
}
