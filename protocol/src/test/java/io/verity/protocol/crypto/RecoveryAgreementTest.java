package io.verity.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.junit.jupiter.api.Assumptions;

/**
 * libsecp256k1 and BouncyCastle recover the same public key from every signature: the golden vectors from
 * ethers (receipts, raw digests, vouchers), honest signatures by random keys, their high-s twins (which
 * ecrecover accepts) and random (r, s, v), where both must also refuse the same ones. On linux x86_64 and
 * aarch64, where the native library ships, it must load: otherwise the agreement would be vacuous.
 */
class RecoveryAgreementTest {
    @BeforeProperty
    void the_native_library_is_loaded_where_it_ships() {
        assumeLoadedWhereItShips();
    }

    /** Aborts off linux x86_64/aarch64; fails there if libsecp256k1 did not load. */
    static void assumeLoadedWhereItShips() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        boolean ships = os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
        if (!ships) Assumptions.abort("libsecp256k1-jni ships for linux x86_64/aarch64 here; this is " + os + "/" + arch);
        assertThat(Libsecp256k1.available()).as("libsecp256k1 loaded (is -D" + Libsecp256k1.PROPERTY + " set?)").isTrue();
    }

    /** The address libsecp256k1 recovers, or null when it refuses. */
    static EvmAddress nativeRecover(Keccak256 digest, Signature sig) {
        byte[] key = Libsecp256k1.recover(digest, Arrays.copyOfRange(sig.toArray(), 0, 64), sig.v() - 27);
        return key == null ? null : EvmAddress.fromPublicKey(key);
    }

    /** The address BouncyCastle recovers, or null when it refuses. */
    static EvmAddress bouncyCastleRecover(Keccak256 digest, Signature sig) {
        try {
            return Secp256k1.address(Secp256k1.recover(digest, sig.r(), sig.s(), sig.v() - 27));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Property(tries = 1)
    void both_recover_the_signer_of_every_golden_vector() {
        List<GoldenSignatures> vectors = GoldenSignatures.all();
        for (GoldenSignatures v : vectors) agree(v.digest(), v.signature(), v.signer());
        assertThat(vectors).hasSizeGreaterThanOrEqualTo(30);
    }

    private static void agree(Keccak256 digest, Signature sig, EvmAddress signer) {
        assertThat(nativeRecover(digest, sig)).as("libsecp256k1 on %s", sig).isEqualTo(signer);
        assertThat(bouncyCastleRecover(digest, sig)).as("BouncyCastle on %s", sig).isEqualTo(signer);
        assertThat(sig.recover(digest)).isEqualTo(signer);
    }

    @Property(tries = 200)
    void both_recover_the_signer_of_a_random_key_and_of_its_high_s_twin(
            @ForAll("keys") byte[] privateKey, @ForAll("bytes32") byte[] digestBytes) {
        NodeKey key = NodeKey.fromPrivateKey(privateKey);
        Keccak256 digest = Keccak256.wrap(digestBytes);
        Signature sig = key.sign(digest);
        assertThat(nativeRecover(digest, sig)).isEqualTo(key.address());
        assertThat(bouncyCastleRecover(digest, sig)).isEqualTo(key.address());
        Signature twin = Signature.of(sig.r(), Secp256k1.N.subtract(sig.s()), sig.v() == 27 ? 28 : 27); // -R: the other parity
        assertThat(twin.isLowS()).isFalse();
        assertThat(nativeRecover(digest, twin)).isEqualTo(key.address());
        assertThat(bouncyCastleRecover(digest, twin)).isEqualTo(key.address());
    }

    @Property(tries = 300)
    void both_agree_on_random_signatures_including_which_to_refuse(
            @ForAll("scalars") BigInteger r, @ForAll("scalars") BigInteger s, @ForAll("v") int v,
            @ForAll("bytes32") byte[] digestBytes) {
        Keccak256 digest = Keccak256.wrap(digestBytes);
        Signature sig = Signature.of(r, s, v);
        assertThat(nativeRecover(digest, sig)).isEqualTo(bouncyCastleRecover(digest, sig));
    }

    @Provide
    Arbitrary<byte[]> bytes32() {
        return anyBytes32();
    }

    static Arbitrary<byte[]> anyBytes32() {
        return Arbitraries.bytes().array(byte[].class).ofSize(32);
    }

    @Provide
    Arbitrary<byte[]> keys() {
        return scalars().map(Secp256k1::toBytes32);
    }

    /** Uniform in [1, n-1], plus the edges 1, 2 and n-1. */
    @Provide
    Arbitrary<BigInteger> scalars() {
        return anyScalar();
    }

    static Arbitrary<BigInteger> anyScalar() {
        return Arbitraries.oneOf(
                Arbitraries.bigIntegers().between(BigInteger.ONE, Secp256k1.N.subtract(BigInteger.ONE)),
                Arbitraries.of(BigInteger.ONE, BigInteger.TWO, Secp256k1.N.subtract(BigInteger.ONE)));
    }

    @Provide
    Arbitrary<Integer> v() {
        return Arbitraries.of(27, 28);
    }
}
