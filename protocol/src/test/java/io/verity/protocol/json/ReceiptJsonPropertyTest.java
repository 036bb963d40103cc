package io.verity.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.receipt.Eip712Domain;
import io.verity.protocol.receipt.SampleReceiptsAccess;
import io.verity.protocol.receipt.SignedReceipt;
import java.security.SecureRandom;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReceiptJsonPropertyTest {
    static final ObjectMapper MAPPER = new ObjectMapper();

    @Property(tries = 200)
    void any_signed_receipt_round_trips_through_json_text_and_still_verifies(@ForAll long seed) throws Exception {
        SecureRandom keys = SecureRandom.getInstance("SHA1PRNG");
        keys.setSeed(seed);
        NodeKey key = NodeKey.generate(keys);
        Random r = new Random(seed);
        byte[] contract = new byte[20];
        r.nextBytes(contract);
        Eip712Domain domain = Eip712Domain.verity(r.nextLong() & Long.MAX_VALUE, EvmAddress.wrap(contract));
        SignedReceipt signed = SignedReceipt.sign(r.nextBoolean() ? SampleReceiptsAccess.random(r, key.address())
                : SampleReceiptsAccess.randomV2(r, key.address()), domain, key);
        String text = MAPPER.writeValueAsString(ReceiptJson.write(signed));
        SignedReceipt read = ReceiptJson.read(MAPPER.readTree(text), "");
        assertThat(read).isEqualTo(signed);
        assertThat(read.verify(domain).isValid()).isTrue();
    }
}
