package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.verity.protocol.receipt.SignedReceipt;

/**
 * Coverage-guided fuzzing (Jazzer) of the receipt JSON codec behind {@link StrictJson}: a body is refused with an
 * {@link InvalidFieldException} pointing into it, or it is a receipt that writes and reads back to an equal
 * receipt (same fields, domain, signature and id), whose JSON is a fixed point, and whose signature check
 * answers with a verdict instead of throwing. Seeds and past findings:
 * {@code src/test/resources/io/verity/protocol/json/ReceiptJsonFuzzTestInputs/}; docs/security.md, "Fuzzing".
 */
class ReceiptJsonFuzzTest {
    @FuzzTest(maxDuration = "6s")
    @DictionaryEntries({"\"id\"", "\"version\"", "\"requestId\"", "\"modelDigest\"", "\"engine\"", "\"inputsDigest\"",
            "\"outputsDigest\"", "\"traceRoot\"", "\"node\"", "\"attestationDigest\"", "\"verification\"", "\"price\"",
            "\"timestamp\"", "\"domain\"", "\"name\"", "\"chainId\"", "\"verifyingContract\"", "\"signature\"",
            "\"none\"", "\"tee\"", "\"replay\"", "\"redundant\"", "0x", "1b", "1c"})
    void receipts_are_refused_with_a_pointer_or_round_trip(byte[] body) {
        SignedReceipt receipt = Refusals.readOrRefused(
                () -> ReceiptJson.read(StrictJson.standard().read(body), "/receipt"), "/receipt");
        if (receipt == null) return;
        var written = ReceiptJson.write(receipt);
        SignedReceipt again = ReceiptJson.read(written, "");
        assertThat(again).isEqualTo(receipt);
        assertThat(again.id()).isEqualTo(receipt.id());
        assertThat(ReceiptJson.write(again)).isEqualTo(written);
        assertThat(receipt.verify()).isNotNull();
    }
}
