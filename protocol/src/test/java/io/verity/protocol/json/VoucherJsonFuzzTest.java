package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;

/**
 * Coverage-guided fuzzing (Jazzer) of the voucher JSON codec as a node meets it: the body through
 * {@link StrictJson}, then {@link VoucherJson#read}. Either a refusal with an {@link InvalidFieldException}
 * pointing into the document, or an envelope that writes and reads back to an equal envelope whose JSON is a
 * fixed point, and whose signer is recovered or refused with the documented IllegalArgumentException. Seeds and
 * past findings: {@code src/test/resources/io/verity/protocol/json/VoucherJsonFuzzTestInputs/}; docs/security.md,
 * "Fuzzing".
 */
class VoucherJsonFuzzTest {
    @FuzzTest(maxDuration = "6s")
    @DictionaryEntries({"\"client\"", "\"node\"", "\"cumulativeAmount\"", "\"domain\"", "\"name\"", "\"version\"",
            "\"chainId\"", "\"verifyingContract\"", "\"signature\"", "0x", "1b", "1c",
            "115792089237316195423570985008687907853269984665640564039457584007913129639936"})
    void vouchers_are_refused_with_a_pointer_or_round_trip(byte[] body) {
        VoucherJson.Envelope envelope = Refusals.readOrRefused(
                () -> VoucherJson.read(StrictJson.standard().read(body), "/voucher"), "/");
        if (envelope == null) return;
        ObjectNode written = VoucherJson.write(envelope);
        VoucherJson.Envelope again = VoucherJson.read(written, "");
        assertThat(again).isEqualTo(envelope);
        assertThat(VoucherJson.write(again)).isEqualTo(written);
        try {
            EvmAddress signer = envelope.signed()
                    .signer(envelope.domain().chainId(), envelope.domain().verifyingContract());
            assertThat(signer).isNotNull();
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }
}
