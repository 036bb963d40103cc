package io.verity.node.hub;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link Versions#ORDER} sorts lists, so it must keep the Comparator contract or TimSort throws. */
class VersionsPropertyTest {

    @Property(tries = 2000, seed = "20261124")
    void the_order_is_antisymmetric_and_transitive(
            @ForAll("versions") String a, @ForAll("versions") String b, @ForAll("versions") String c) {
        assertThat(Integer.signum(Versions.compare(a, b))).isEqualTo(-Integer.signum(Versions.compare(b, a)));
        assertThat(Versions.compare(a, b) == 0).isEqualTo(a.equals(b));
        if (Versions.compare(a, b) <= 0 && Versions.compare(b, c) <= 0) {
            assertThat(Versions.compare(a, c)).as("%s <= %s <= %s", a, b, c).isLessThanOrEqualTo(0);
        }
    }

    @Provide
    Arbitrary<String> versions() {
        // a small alphabet so that near-equal versions (1.0 / 1.00 / 1.0-0 / 1.0+b) are common
        return Arbitraries.strings().withChars("0129.-+ab").ofMinLength(1).ofMaxLength(7)
                .filter(s -> Character.isLetterOrDigit(s.charAt(0)));
    }
}
