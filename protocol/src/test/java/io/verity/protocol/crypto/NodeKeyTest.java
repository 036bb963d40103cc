package io.verity.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeKeyTest {
    static final String ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    static final BigInteger N = new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);

    @Test
    void derives_the_well_known_anvil_address_from_the_anvil_dev_key() {
        assertThat(NodeKey.fromPrivateKey(ANVIL_KEY_0).address())
                .isEqualTo(EvmAddress.parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assertThat(NodeKey.fromPrivateKey("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
                .address().toString()).isEqualTo("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    }

    @Test
    void signs_byte_for_byte_like_ethers_signing_key() {
        List<GoldenSignatures> vectors = GoldenSignatures.all(); // receipts, raw digests and vouchers
        assertThat(vectors).hasSizeGreaterThanOrEqualTo(30);
        for (GoldenSignatures v : vectors) {
            NodeKey key = NodeKey.fromPrivateKey(v.privateKey());
            assertThat(key.address()).isEqualTo(v.signer());
            assertThat(key.sign(v.digest())).as("signature over %s", v.digest()).isEqualTo(v.signature());
            assertThat(v.signature().recover(v.digest())).isEqualTo(key.address());
        }
    }

    @Test
    void signatures_are_low_s_with_v_27_or_28_and_recover_the_signer() {
        SecureRandom random = seeded(42);
        for (int i = 0; i < 50; i++) {
            NodeKey key = NodeKey.generate(random);
            byte[] d = new byte[32];
            random.nextBytes(d);
            Keccak256 digest = Keccak256.wrap(d);
            Signature sig = key.sign(digest);
            assertThat(sig.isLowS()).isTrue();
            assertThat(sig.v()).isIn(27, 28);
            assertThat(sig.problem()).isNull();
            assertThat(sig.recover(digest)).isEqualTo(key.address());
            assertThat(key.sign(digest)).as("deterministic (RFC 6979)").isEqualTo(sig);
        }
    }

    @Test
    void round_trips_its_private_key_bytes() {
        NodeKey key = NodeKey.generate(seeded(7));
        assertThat(NodeKey.fromPrivateKey(key.privateKeyBytes())).isEqualTo(key);
        assertThat(NodeKey.fromPrivateKey(Hex.encode(key.privateKeyBytes())).address()).isEqualTo(key.address());
    }

    @Test
    void never_prints_its_private_key() {
        NodeKey key = NodeKey.fromPrivateKey(ANVIL_KEY_0);
        assertThat(key.toString()).isEqualTo("NodeKey[0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266]");
        assertThatThrownBy(() -> NodeKey.fromPrivateKey(ANVIL_KEY_0.substring(0, 65) + "zz"))
                .hasMessage("a private key must be 64 hex digits")
                .hasNoCause();
    }

    @Test
    void rejects_keys_outside_one_to_n_minus_one() {
        assertThatThrownBy(() -> NodeKey.fromPrivateKey(new byte[32]))
                .hasMessage("a secp256k1 private key must be in [1, n-1]");
        assertThatThrownBy(() -> NodeKey.fromPrivateKey(Hex.encode(toBytes32(N))))
                .hasMessage("a secp256k1 private key must be in [1, n-1]");
        assertThatThrownBy(() -> NodeKey.fromPrivateKey(new byte[31]))
                .hasMessage("a private key must be 32 bytes, got 31");
        assertThat(NodeKey.fromPrivateKey(toBytes32(N.subtract(BigInteger.ONE))).address()).isNotNull();
    }

    static byte[] toBytes32(BigInteger v) {
        return Secp256k1.toBytes32(v);
    }

    static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
