package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.tensor.Tensor;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the tensor JSON codec as a request meets it: the body through
 * {@link StrictJson}, then {@link TensorJson#readList}. Either one refuses with an {@link InvalidFieldException}
 * whose pointers lie inside the document, or the tensors round-trip: the compact (b64) form reads back to the
 * same tensors bit for bit, and the "data" form is a fixed point (writing what it reads gives it back; NaN
 * payloads may canonicalise on the first pass, nothing else changes). Seeds and past findings:
 * {@code src/test/resources/io/verity/protocol/json/TensorJsonFuzzTestInputs/}; docs/security.md, "Fuzzing".
 */
class TensorJsonFuzzTest {
    @FuzzTest(maxDuration = "6s")
    @DictionaryEntries({"\"name\"", "\"dtype\"", "\"shape\"", "\"data\"", "\"b64\"", "\"float32\"", "\"float64\"",
            "\"float16\"", "\"int64\"", "\"int32\"", "\"int8\"", "\"uint8\"", "\"bool\"", "\"string\"", "\"NaN\"",
            "\"Infinity\"", "\"-Infinity\"", "9223372036854775807", "1e39", "65504", "\\ud800"})
    void tensors_are_refused_with_a_pointer_or_round_trip(byte[] body) {
        JsonNode document = Refusals.strictOrRefused(body);
        if (document == null) return;
        List<Tensor> tensors;
        try {
            tensors = TensorJson.readList(document, "/inputs"); // as if the body were a request's "inputs"
        } catch (InvalidFieldException e) {
            // past FieldErrors.MAX problems the last entry only counts the rest, for the document as a whole ("")
            assertThat(e.errors()).isNotEmpty().allSatisfy(err -> assertThat(err).satisfiesAnyOf(
                    f -> assertThat(f.pointer()).isEqualTo("/inputs"),
                    f -> assertThat(f.pointer()).startsWith("/inputs/"),
                    f -> assertThat(f.pointer() + ": " + f.detail()).matches(": [0-9]+ more errors not shown")));
            return;
        }
        for (Tensor t : tensors) {
            assertThat(TensorJson.read(TensorJson.writeCompact(t), "")).isEqualTo(t);
            JsonNode written = TensorJson.write(t);
            JsonNode rewritten = TensorJson.write(TensorJson.read(written, ""));
            assertThat(rewritten).isEqualTo(written);
        }
    }
}
