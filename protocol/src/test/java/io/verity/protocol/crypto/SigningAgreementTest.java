package io.verity.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.Keccak256;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Signing with libsecp256k1's k·G and with BouncyCastle's gives the same 65 bytes, v included, as ethers on
 * every golden vector (receipts, raw digests, vouchers) and on random keys and digests; r ‖ s also equals
 * what libsecp256k1's own RFC 6979 signer makes, so the nonce is the one every wallet uses.
 */
class SigningAgreementTest {
    @BeforeProperty
    void the_native_library_is_loaded_where_it_ships() {
        RecoveryAgreementTest.assumeLoadedWhereItShips();
    }

    @Property(tries = 1)
    void both_sign_every_golden_vector_as_ethers_did() {
        List<GoldenSignatures> vectors = GoldenSignatures.all();
        for (GoldenSignatures v : vectors) {
            NodeKey key = NodeKey.fromPrivateKey(v.privateKey());
            Keccak256 digest = v.digest();
            assertThat(nativeSign(key, digest)).as("libsecp256k1 over %s", digest).isEqualTo(v.signature());
            assertThat(bouncyCastleSign(key, digest)).as("BouncyCastle over %s", digest).isEqualTo(v.signature());
            assertThat(key.sign(digest)).isEqualTo(v.signature());
            assertThat(libsecp256k1Signer(key, digest)).isEqualTo(Arrays.copyOfRange(v.signature().toArray(), 0, 64));
        }
        assertThat(vectors).hasSizeGreaterThanOrEqualTo(30);
    }

    @Property(tries = 300)
    void both_give_the_same_signature_for_random_keys_and_digests(
            @ForAll("keys") byte[] privateKey, @ForAll("bytes32") byte[] digestBytes) {
        NodeKey key = NodeKey.fromPrivateKey(privateKey);
        Keccak256 digest = Keccak256.wrap(digestBytes);
        Signature sig = nativeSign(key, digest);
        assertThat(bouncyCastleSign(key, digest)).isEqualTo(sig);
        assertThat(sig.isLowS()).isTrue();
        assertThat(sig.recover(digest)).as("v is R's parity").isEqualTo(key.address());
        assertThat(libsecp256k1Signer(key, digest)).isEqualTo(Arrays.copyOfRange(sig.toArray(), 0, 64));
    }

    private static Signature nativeSign(NodeKey key, Keccak256 digest) {
        return key.sign(digest, k -> {
            byte[] point = Libsecp256k1.multiplyGenerator(Secp256k1.toBytes32(k));
            assertThat(point).as("libsecp256k1 k·G").isNotNull();
            return point;
        });
    }

    private static Signature bouncyCastleSign(NodeKey key, Keccak256 digest) {
        return key.sign(digest, Secp256k1::bouncyCastleMultiplyGenerator);
    }

    /** r ‖ s from libsecp256k1's signer (RFC 6979 nonce, low s), which does not give v. */
    private static byte[] libsecp256k1Signer(NodeKey key, Keccak256 digest) {
        return fr.acinq.secp256k1.Secp256k1JvmKt.getSecpk256k1().sign(digest.toArray(), key.privateKeyBytes());
    }

    @Provide
    Arbitrary<byte[]> bytes32() {
        return RecoveryAgreementTest.anyBytes32();
    }

    @Provide
    Arbitrary<byte[]> keys() {
        return RecoveryAgreementTest.anyScalar().map(Secp256k1::toBytes32);
    }
}
