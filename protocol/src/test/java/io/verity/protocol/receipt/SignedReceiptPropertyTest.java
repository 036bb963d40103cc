package io.verity.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.crypto.Signature;
import java.security.SecureRandom;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SignedReceiptPropertyTest {

    static NodeKey key(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return NodeKey.generate(r);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Property(tries = 200)
    void every_signed_receipt_verifies_to_its_node(@ForAll long seed) {
        NodeKey key = key(seed);
        Receipt receipt = SampleReceipts.random(new Random(seed), key.address());
        Eip712Domain domain = Eip712Domain.verity(seed & 0xffff, key.address());
        SignedReceipt signed = SignedReceipt.sign(receipt, domain, key);
        assertThat(signed.verify()).isEqualTo(new ReceiptVerdict.Verified(key.address(), receipt.id(domain)));
    }

    @Property(tries = 300)
    void flipping_any_bit_of_the_signature_gives_an_invalid_verdict_never_an_exception(
            @ForAll long seed, @ForAll @IntRange(max = 65 * 8 - 1) int bit) {
        NodeKey key = key(seed);
        SignedReceipt signed = SignedReceipt.sign(SampleReceipts.random(new Random(seed), key.address()),
                Eip712Domain.LOCAL, key);
        byte[] sig = signed.signature().toArray();
        sig[bit / 8] ^= (byte) (1 << (bit % 8));
        ReceiptVerdict verdict = new SignedReceipt(signed.receipt(), signed.domain(), Signature.wrap(sig)).verify();
        assertThat(verdict).isInstanceOf(ReceiptVerdict.Invalid.class);
    }
}
