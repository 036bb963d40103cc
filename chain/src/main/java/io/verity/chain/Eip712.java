package io.verity.chain;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/** The "Verity" EIP-712 domain and the 32-byte word encoding hashStruct needs. */
final class Eip712 {
    private static final BigInteger UINT256_LIMIT = BigInteger.ONE.shiftLeft(256);
    private static final Keccak256 DOMAIN_TYPEHASH = Keccak256.hash(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)".getBytes(StandardCharsets.US_ASCII));

    private Eip712() {}

    static Keccak256 domainSeparator(long chainId, EvmAddress verifyingContract) {
        return Keccak256.hash(
                DOMAIN_TYPEHASH.toArray(),
                Keccak256.hash("Verity".getBytes(StandardCharsets.US_ASCII)).toArray(),
                Keccak256.hash("1".getBytes(StandardCharsets.US_ASCII)).toArray(),
                word(BigInteger.valueOf(chainId)),
                word(verifyingContract));
    }

    static Keccak256 digest(Keccak256 domainSeparator, Keccak256 hashStruct) {
        return Keccak256.hash(new byte[] {0x19, 0x01}, domainSeparator.toArray(), hashStruct.toArray());
    }

    static byte[] word(BigInteger v) {
        requireUint256("value", v);
        byte[] out = new byte[32];
        byte[] b = v.toByteArray();
        int skip = b.length > 32 ? b.length - 32 : 0; // a leading sign byte
        System.arraycopy(b, skip, out, 32 - (b.length - skip), b.length - skip);
        return out;
    }

    static byte[] word(EvmAddress a) {
        byte[] out = new byte[32];
        System.arraycopy(a.toArray(), 0, out, 12, 20);
        return out;
    }

    static void requireUint256(String field, BigInteger v) {
        if (v == null) throw new IllegalArgumentException(field + " must not be null");
        if (v.signum() < 0 || v.compareTo(UINT256_LIMIT) >= 0) {
            throw new IllegalArgumentException(field + " must be a uint256 (0 <= x < 2^256), got " + v);
        }
    }
}
