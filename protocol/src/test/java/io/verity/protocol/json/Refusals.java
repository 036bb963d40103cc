package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

/** What every reader's refusal must look like to a fuzzer: at least one error, each pointing into the input. */
final class Refusals {
    private Refusals() {}

    /** Every pointer is {@code under} or below it, or empty (the document as a whole). */
    static void assertPointsUnder(InvalidFieldException e, String under) {
        assertThat(e.errors()).isNotEmpty().allSatisfy(err -> assertThat(err.pointer())
                .satisfiesAnyOf(p -> assertThat(p).isEmpty(), p -> assertThat(p).startsWith(under)));
    }
}
