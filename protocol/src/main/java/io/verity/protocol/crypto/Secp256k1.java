package io.verity.protocol.crypto;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * Curve constants and the point operations Verity needs: public key derivation, k·G for signing and
 * ecrecover. k·G and recovery run in libsecp256k1 when it is loaded ({@link Libsecp256k1}) and in
 * BouncyCastle otherwise.
 */
final class Secp256k1 {
    // BouncyCastle's custom curve: specialised field arithmetic and the GLV endomorphism, several times
    // faster than the generic curve from ECNamedCurveTable.
    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
    static final ECDomainParameters DOMAIN =
            new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());
    static final BigInteger N = CURVE.getN();
    static final BigInteger HALF_N = N.shiftRight(1);

    private Secp256k1() {}

    static ECPoint publicPoint(BigInteger privateKey) {
        return new FixedPointCombMultiplier().multiply(DOMAIN.getG(), privateKey).normalize();
    }

    /** k·G as 0x04 ‖ x ‖ y, for k in [1, n-1]: libsecp256k1 when it is loaded, BouncyCastle otherwise. */
    static byte[] multiplyGenerator(BigInteger k) {
        byte[] point = Libsecp256k1.multiplyGenerator(toBytes32(k));
        return point != null ? point : bouncyCastleMultiplyGenerator(k);
    }

    static byte[] bouncyCastleMultiplyGenerator(BigInteger k) {
        return publicPoint(k).getEncoded(false);
    }

    static EvmAddress address(ECPoint publicKey) {
        byte[] encoded = publicKey.getEncoded(false); // 0x04 ‖ x ‖ y
        return EvmAddress.fromPublicKey(Arrays.copyOfRange(encoded, 1, 65));
    }

    /**
     * The address whose key made {@code rs} (r ‖ s) over {@code digest} with R's y parity {@code recId}. The
     * caller has checked 1 <= r, s < n.
     *
     * @throws IllegalArgumentException when no curve point has x = r, or the result is the point at infinity
     */
    static EvmAddress recoverAddress(Keccak256 digest, byte[] rs, int recId) {
        byte[] key = Libsecp256k1.recover(digest, rs, recId);
        if (key != null) return EvmAddress.fromPublicKey(key);
        // BouncyCastle: without libsecp256k1, or to say why libsecp256k1 refused (rare, and only for bad signatures)
        return address(recover(digest, new BigInteger(1, Arrays.copyOfRange(rs, 0, 32)),
                new BigInteger(1, Arrays.copyOfRange(rs, 32, 64)), recId));
    }

    /**
     * BouncyCastle's recovery: the public key that made (r, s) over {@code digest} with R's y parity
     * {@code recId}. The caller has checked 1 <= r, s < n.
     *
     * @throws IllegalArgumentException when no curve point has x = r, or the result is the point at infinity
     */
    static ECPoint recover(Keccak256 digest, BigInteger r, BigInteger s, int recId) {
        // R = (r, y) with y's parity = recId. r + n as the x coordinate (recId 2, 3) is not used by Ethereum.
        byte[] compressed = new byte[33];
        compressed[0] = (byte) (recId == 0 ? 0x02 : 0x03);
        byte[] x = toBytes32(r);
        System.arraycopy(x, 0, compressed, 1, 32);
        ECPoint bigR;
        try {
            bigR = DOMAIN.getCurve().decodePoint(compressed);
        } catch (IllegalArgumentException e) { // x^3 + 7 is not a square mod p
            throw new IllegalArgumentException("r is not the x of a curve point");
        }
        // Q = r^-1 (sR - eG)
        BigInteger e = new BigInteger(1, digest.toArray());
        BigInteger rInv = BigIntegers.modOddInverse(N, r);
        BigInteger u1 = N.subtract(e).multiply(rInv).mod(N);
        BigInteger u2 = s.multiply(rInv).mod(N);
        ECPoint q = ECAlgorithms.sumOfTwoMultiplies(DOMAIN.getG(), u1, bigR, u2).normalize();
        if (q.isInfinity()) throw new IllegalArgumentException("the recovered key is the point at infinity");
        return q;
    }

    static byte[] toBytes32(BigInteger v) {
        byte[] raw = v.toByteArray();
        if (raw.length == 32) return raw;
        byte[] out = new byte[32];
        if (raw.length > 32) System.arraycopy(raw, raw.length - 32, out, 0, 32); // drop the sign byte
        else System.arraycopy(raw, 0, out, 32 - raw.length, raw.length);
        return out;
    }
}
