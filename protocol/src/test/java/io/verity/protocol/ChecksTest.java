package io.verity.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.receipt.VerificationMode;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.wire.FailureSource;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ChecksTest {
    @Test
    void a_null_is_named_as_requireNonNull_names_it() {
        Checks.nonNull("a", 1, "b", "x");
        assertThatThrownBy(() -> Checks.nonNull("a", 1, "b", null, "c", null))
                .isInstanceOf(NullPointerException.class).hasMessage("b");
        assertThatThrownBy(() -> Checks.nonNull("a")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_number_out_of_range_names_the_field_the_range_and_what_arrived() {
        assertThat(Checks.inRange("port", 0, 0, 65535)).isZero();
        assertThatThrownBy(() -> Checks.inRange("port", 70000, 0, 65535)).hasMessage("port must be 0..65535, got 70000");
        assertThatThrownBy(() -> Checks.atLeast("engineThreads", 0, 1)).hasMessage("engineThreads must be >= 1, got 0");
    }

    @Test
    void wire_names_are_the_constants_in_lower_case_and_found_by_them() {
        assertThat(DType.FLOAT32.wireName()).isEqualTo("float32");
        assertThat(WireName.find(DType.class, "uint8")).contains(DType.UINT8);
        assertThat(WireName.find(FailureSource.class, "NODE")).isEmpty();
        assertThat(WireName.list(VerificationMode.class)).isEqualTo("none, tee, redundant, sample, optimistic");
    }
}
