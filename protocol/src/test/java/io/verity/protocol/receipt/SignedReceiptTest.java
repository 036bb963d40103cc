package io.verity.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import io.verity.protocol.crypto.Signature;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SignedReceiptTest {
    static final NodeKey KEY = NodeKey.fromPrivateKey("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    static final BigInteger N = new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);
    static final Eip712Domain DOMAIN = Eip712Domain.verity(1, EvmAddress.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3"));

    final Random random = new Random(20261124);
    final Receipt receipt = SampleReceipts.random(random, KEY.address());
    final SignedReceipt signed = SignedReceipt.sign(receipt, DOMAIN, KEY);

    @Test
    void a_freshly_signed_receipt_verifies_to_its_node() {
        assertThat(signed.verify()).isEqualTo(new ReceiptVerdict.Verified(KEY.address(), signed.id()));
        assertThat(signed.verify().isValid()).isTrue();
    }

    @Test
    void the_trace_on_challenge_marker_is_an_ordinary_trace_root_to_every_verifier() {
        assertThat(Receipt.TRACE_ON_CHALLENGE).isEqualTo(Keccak256.hash("verity:trace-on-challenge".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEqualTo(Keccak256.parse("0x53182d485513dbf7331a2439d9d1e18d06cbd020562c944600c6f0fe843b06a0")); // sdk/js pins it too
        Receipt onChallenge = with(receipt, 5, Receipt.TRACE_ON_CHALLENGE);
        SignedReceipt s = SignedReceipt.sign(onChallenge, DOMAIN, KEY);
        assertThat(s.verify()).isEqualTo(new ReceiptVerdict.Verified(KEY.address(), s.id()));
        assertThat(onChallenge.traceOnChallenge()).isTrue();
        assertThat(receipt.traceOnChallenge()).isFalse();
        assertThat(with(onChallenge, 5, Keccak256.ZERO).traceOnChallenge()).as("zero: not disputable").isFalse();
    }

    @Test
    void changing_any_signed_field_breaks_the_signature() {
        List<UnaryOperator<Receipt>> edits = List.of(
                r -> with(r, 0, SampleReceipts.bytes32(random)),
                r -> with(r, 1, SampleReceipts.bytes32(random)),
                r -> with(r, 2, r.engine() + "x"),
                r -> with(r, 3, SampleReceipts.bytes32(random)),
                r -> with(r, 4, SampleReceipts.bytes32(random)),
                r -> with(r, 5, SampleReceipts.bytes32(random)),
                r -> with(r, 6, EvmAddress.ZERO),
                r -> with(r, 10, SampleReceipts.bytes32(random)),
                r -> with(r, 7, VerificationMode.values()[(r.verification().ordinal() + 1) % 5]),
                r -> with(r, 8, r.price().add(BigInteger.ONE)),
                r -> with(r, 9, r.timestamp() + 1));
        for (UnaryOperator<Receipt> edit : edits) {
            SignedReceipt tampered = new SignedReceipt(edit.apply(receipt), DOMAIN, signed.signature());
            assertThat(tampered.verify()).isInstanceOfSatisfying(ReceiptVerdict.Invalid.class,
                    v -> assertThat(v.check()).isEqualTo(ReceiptVerdict.Check.SIGNER));
        }
    }

    @Test
    void a_receipt_signed_under_another_domain_does_not_verify_under_this_one() {
        for (Eip712Domain other : List.of(Eip712Domain.LOCAL, Eip712Domain.verity(2, DOMAIN.verifyingContract()),
                new Eip712Domain("Verity", "2", 1, DOMAIN.verifyingContract()),
                new Eip712Domain("Verit", "1", 1, DOMAIN.verifyingContract()))) {
            assertThat(new SignedReceipt(receipt, other, signed.signature()).verify().isValid()).as("%s", other).isFalse();
        }
    }

    @Test
    void verifying_against_a_trusted_domain_refuses_receipts_signed_for_another_chain() {
        assertThat(signed.verify(DOMAIN)).isEqualTo(new ReceiptVerdict.Verified(KEY.address(), signed.id()));
        SignedReceipt local = SignedReceipt.sign(receipt, Eip712Domain.LOCAL, KEY);
        assertThat(local.verify().isValid()).isTrue();
        assertThat(local.verify(DOMAIN)).isEqualTo(new ReceiptVerdict.Invalid(ReceiptVerdict.Check.DOMAIN,
                "receipt is signed under " + Eip712Domain.LOCAL + ", expected " + DOMAIN));
    }

    @Test
    void a_receipt_naming_another_node_is_refused_with_both_addresses() {
        NodeKey other = NodeKey.generate(new java.security.SecureRandom());
        Receipt claimed = with(receipt, 6, other.address());
        SignedReceipt forged = new SignedReceipt(claimed, DOMAIN, KEY.sign(claimed.id(DOMAIN)));
        assertThat(forged.verify()).isEqualTo(new ReceiptVerdict.Invalid(ReceiptVerdict.Check.SIGNER,
                "signature recovers to " + KEY.address() + ", expected receipt.node " + other.address()));
    }

    @Test
    void the_high_s_twin_of_a_valid_signature_is_refused() {
        Signature s = signed.signature();
        Signature twin = Signature.of(s.r(), N.subtract(s.s()), s.v() == 27 ? 28 : 27);
        assertThat(twin.recover(signed.id())).isEqualTo(KEY.address()); // ecrecover would accept it
        assertThat(new SignedReceipt(receipt, DOMAIN, twin).verify()).isInstanceOfSatisfying(
                ReceiptVerdict.Invalid.class, v -> assertThat(v.check()).isEqualTo(ReceiptVerdict.Check.LOW_S));
    }

    @Test
    void a_malformed_signature_is_an_invalid_verdict_not_an_exception() {
        Signature s = signed.signature();
        assertThat(new SignedReceipt(receipt, DOMAIN, Signature.of(s.r(), s.s(), 1)).verify())
                .isEqualTo(new ReceiptVerdict.Invalid(ReceiptVerdict.Check.SIGNATURE_FORMAT, "v must be 27 or 28, got 1"));
        assertThat(new SignedReceipt(receipt, DOMAIN, Signature.of(BigInteger.valueOf(5), BigInteger.ONE, 27)).verify())
                .isEqualTo(new ReceiptVerdict.Invalid(ReceiptVerdict.Check.SIGNATURE_FORMAT,
                        "cannot recover a signer: r is not the x of a curve point"));
    }

    @Test
    void a_receipt_of_an_unknown_version_is_refused_before_the_signature_is_checked() {
        Receipt v3 = new Receipt(3, receipt.requestId(), receipt.modelDigest(), receipt.engine(), receipt.inputsDigest(),
                receipt.outputsDigest(), receipt.traceRoot(), receipt.node(), receipt.attestationDigest(),
                receipt.verification(), receipt.price(), receipt.timestamp());
        assertThat(SignedReceipt.sign(v3, DOMAIN, KEY).verify()).isEqualTo(
                new ReceiptVerdict.Invalid(ReceiptVerdict.Check.VERSION, "receipt version must be 1 or 2, got 3"));
    }

    @Test
    void signing_refuses_a_receipt_whose_node_is_not_the_key() {
        Receipt other = with(receipt, 6, EvmAddress.ZERO);
        assertThatThrownBy(() -> SignedReceipt.sign(other, DOMAIN, KEY)).hasMessage(
                "receipt.node must be the signing key's address 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, got "
                        + "0x0000000000000000000000000000000000000000");
    }

    @Test
    void receipt_fields_are_range_checked_against_their_solidity_types() {
        assertThatThrownBy(() -> new Receipt(70000, Keccak256.ZERO, Keccak256.ZERO, "e", Keccak256.ZERO, Keccak256.ZERO,
                Keccak256.ZERO, EvmAddress.ZERO, Keccak256.ZERO, VerificationMode.NONE, BigInteger.ZERO, 0))
                .hasMessage("version must be a uint16, got 70000");
        assertThatThrownBy(() -> with(receipt, 8, BigInteger.ONE.shiftLeft(256)))
                .hasMessage("price must be a uint256 (0 <= price < 2^256), got " + BigInteger.ONE.shiftLeft(256));
        assertThatThrownBy(() -> with(receipt, 8, BigInteger.valueOf(-1)))
                .hasMessage("price must be a uint256 (0 <= price < 2^256), got -1");
        assertThatThrownBy(() -> with(receipt, 9, -1L))
                .hasMessage("timestamp must be >= 0 (ms since the epoch), got -1");
        assertThatThrownBy(() -> with(receipt, 2, ""))
                .hasMessage("engine must not be empty, expected name/version/settings");
        assertThatThrownBy(() -> with(receipt, 2, "ort/\uD800"))
                .hasMessage("engine must be valid Unicode, got an unpaired surrogate");
    }

    /** A copy of {@code r} with one field replaced; fields numbered after version (requestId = 0 ... node = 6, verification = 7, price = 8, timestamp = 9, attestationDigest = 10). */
    static Receipt with(Receipt r, int field, Object v) {
        return new Receipt(r.version(),
                field == 0 ? (Keccak256) v : r.requestId(),
                field == 1 ? (Keccak256) v : r.modelDigest(),
                field == 2 ? (String) v : r.engine(),
                field == 3 ? (Keccak256) v : r.inputsDigest(),
                field == 4 ? (Keccak256) v : r.outputsDigest(),
                field == 5 ? (Keccak256) v : r.traceRoot(),
                field == 6 ? (EvmAddress) v : r.node(),
                field == 10 ? (Keccak256) v : r.attestationDigest(),
                field == 7 ? (VerificationMode) v : r.verification(),
                field == 8 ? (BigInteger) v : r.price(),
                field == 9 ? (Long) v : r.timestamp());
    }
}
