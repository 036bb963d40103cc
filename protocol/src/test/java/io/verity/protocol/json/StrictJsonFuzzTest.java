package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link StrictJson}, the one JSON reading policy of every route: arbitrary
 * bytes are refused with an {@link InvalidFieldException} whose pointer is "" or a JSON Pointer, or they are
 * one well-formed UTF-8 document (no byte order mark) within the nesting bound, whose tree, written out and
 * read again under the same policy, is the same tree. Never another exception. Seeds and past findings:
 * {@code src/test/resources/io/verity/protocol/json/StrictJsonFuzzTestInputs/}; docs/security.md, "Fuzzing".
 */
class StrictJsonFuzzTest {
    private static final ObjectMapper WRITER = new ObjectMapper();

    @FuzzTest(maxDuration = "6s")
    @DictionaryEntries({"\\ud800", "\\udc00", "\\u0000", "1e400", "-0", "true",
            "null", "\"a\":", "[[[[[[[["})
    void documents_are_refused_with_a_pointer_or_read_back_unchanged(byte[] body) throws Exception {
        JsonNode tree = Refusals.strictOrRefused(body);
        if (tree == null) return;
        // the decoder replaces malformed sequences, so only well-formed UTF-8 survives a decode/encode trip
        assertThat(new String(body, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)).isEqualTo(body);
        assertThat(body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb).isFalse();
        assertThat(depth(tree)).isLessThanOrEqualTo(StrictJson.Limits.DEFAULT.maxDepth());
        // A literal beyond the double range (1e400) reads as an infinite double, which no JSON text can carry
        // back: the policy accepts it and each codec range-checks its numbers (TensorJson refuses it by pointer).
        if (hasNonFinite(tree)) return;
        byte[] written = WRITER.writeValueAsBytes(tree);
        assertThat(StrictJson.standard().read(written)).isEqualTo(tree);
        assertThat(Arrays.equals(WRITER.writeValueAsBytes(StrictJson.standard().read(written)), written)).isTrue();
    }

    private static boolean hasNonFinite(JsonNode n) {
        if (n.isNumber()) return n.isFloatingPointNumber() && !Double.isFinite(n.doubleValue());
        for (JsonNode child : n) if (hasNonFinite(child)) return true;
        return false;
    }

    private static int depth(JsonNode n) {
        int d = 0;
        for (JsonNode child : n) d = Math.max(d, depth(child));
        return n.isContainerNode() ? d + 1 : 0;
    }
}
