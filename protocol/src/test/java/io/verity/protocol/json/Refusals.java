package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Supplier;

/** What every reader's refusal must look like to a fuzzer: at least one error, each pointing into the input. */
final class Refusals {
    private Refusals() {}

    /** Every pointer is {@code under} or below it, or empty (the document as a whole). */
    static void assertPointsUnder(InvalidFieldException e, String under) {
        assertThat(e.errors()).isNotEmpty().allSatisfy(err -> assertThat(err.pointer())
                .satisfiesAnyOf(p -> assertThat(p).isEmpty(), p -> assertThat(p).startsWith(under)));
    }

    /**
     * What {@code reader} reads, or null when it refuses; a refusal must point {@code under} (see
     * {@link #assertPointsUnder}). The one outline of every fuzz target: read or refuse, never another exception.
     */
    static <T> T readOrRefused(Supplier<T> reader, String under) {
        try {
            return reader.get();
        } catch (InvalidFieldException e) {
            assertPointsUnder(e, under);
            return null;
        }
    }

    /** {@code body} through {@link StrictJson#standard()}, or null when the policy refuses it with a pointer. */
    static JsonNode strictOrRefused(byte[] body) {
        return readOrRefused(() -> StrictJson.standard().read(body), "/");
    }
}
