package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Re-executing a receipt picks the contract by the receipt's engine id; an id no engine computes is refused by name. */
class DeterministicEnginesTest {
    @Test
    void each_contract_gets_its_own_engine_once_and_an_unknown_id_none() {
        try (DeterministicEngines engines = DeterministicEngines.create(1, true)) {
            DeterministicEngine two = engines.require(DeterministicEngine.ID);
            assertThat(two.id()).isEqualTo("verity-det/2");
            assertThat(engines.require(DeterministicEngine.ID_V3).id()).isEqualTo("verity-det/3");
            assertThat(engines.forContract("verity-det/2")).containsSame(two);
            assertThat(engines.forContract("verity-det/1")).isEmpty();
            assertThat(engines.forContract("onnxruntime/1.23.2")).isEmpty();
            assertThatThrownBy(() -> engines.require("verity-det/9")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("receipt engine 'verity-det/9' is no deterministic contract this version computes (verity-det/2, verity-det/3)");
        }
    }

    @Test
    void an_operator_names_a_contract_by_number_or_id() {
        assertThat(DeterministicEngine.parseContract("2")).isEqualTo(DeterministicEngine.ID);
        assertThat(DeterministicEngine.parseContract(" 3 ")).isEqualTo(DeterministicEngine.ID_V3);
        assertThat(DeterministicEngine.parseContract("verity-det/3")).isEqualTo(DeterministicEngine.ID_V3);
        assertThat(DeterministicEngine.computes("verity-det/3")).isTrue();
        assertThat(DeterministicEngine.computes("3")).as("a receipt carries the full id").isFalse();
        assertThatThrownBy(() -> DeterministicEngine.parseContract("verity-det/1"))
                .hasMessage("deterministic contract must be 2 or 3 (verity-det/2, verity-det/3), got 'verity-det/1'");
    }
}
