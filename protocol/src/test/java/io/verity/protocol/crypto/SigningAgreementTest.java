package io.verity.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.Golden;
import io.verity.protocol.Keccak256;
import java.util.Arrays;
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
        JsonNode eip712 = Golden.load("eip712/vectors.json");
        int checked = 0;
        for (JsonNode v : eip712.get("receipts")) {
            JsonNode json = v.get("json");
            checked += agree(v.get("privateKey").asText(), Keccak256.parse(json.get("id").asText()),
                    Signature.parse(json.get("signature").asText()));
        }
        for (JsonNode v : eip712.get("signatures")) {
            checked += agree(v.get("privateKey").asText(), Keccak256.parse(v.get("digest").asText()),
                    Signature.parse(v.get("signature").asText()));
        }
        for (JsonNode v : Golden.load("vouchers/vectors.json").get("vouchers")) {
            checked += agree(v.get("privateKey").asText(), Keccak256.parse(v.get("digest").asText()),
                    Signature.parse(v.get("signature").asText()));
        }
        assertThat(checked).isGreaterThanOrEqualTo(30);
    }

    private static int agree(String privateKey, Keccak256 digest, Signature expected) {
        NodeKey key = NodeKey.fromPrivateKey(privateKey);
        assertThat(nativeSign(key, digest)).as("libsecp256k1 over %s", digest).isEqualTo(expected);
        assertThat(bouncyCastleSign(key, digest)).as("BouncyCastle over %s", digest).isEqualTo(expected);
        assertThat(key.sign(digest)).isEqualTo(expected);
        assertThat(libsecp256k1Signer(key, digest)).isEqualTo(Arrays.copyOfRange(expected.toArray(), 0, 64));
        return 1;
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
