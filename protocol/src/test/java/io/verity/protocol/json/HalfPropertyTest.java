package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HalfPropertyTest {

    @Property(tries = 5000)
    void rounds_every_float_like_the_jdks_float_to_float16(@ForAll float f) {
        // a float is exactly a double, so the JDK's single rounding is the reference
        assertThat(Half.fromDouble(f)).isEqualTo(Float.floatToFloat16(f));
    }
}
