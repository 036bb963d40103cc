package io.verity.chain;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A payment voucher: {@code client} owes {@code node} a total of {@code cumulativeAmount} wei on their
 * channel so far. EIP-712 type {@code Voucher(address client,address node,uint256 cumulativeAmount)} in the
 * domain ("Verity", "1", chainId, the Payments contract); docs/protocol.md, "Vouchers".
 */
public record Voucher(EvmAddress client, EvmAddress node, BigInteger cumulativeAmount) {
    static final String TYPE = "Voucher(address client,address node,uint256 cumulativeAmount)";
    private static final Keccak256 TYPEHASH = Keccak256.hash(TYPE.getBytes(StandardCharsets.US_ASCII));

    public Voucher {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(node, "node");
        Eip712.requireUint256("cumulativeAmount", cumulativeAmount);
    }

    public Keccak256 digest(long chainId, EvmAddress payments) {
        Keccak256 hashStruct = Keccak256.hash(TYPEHASH.toArray(), Eip712.word(client), Eip712.word(node),
                Eip712.word(cumulativeAmount));
        return Eip712.digest(Eip712.domainSeparator(chainId, payments), hashStruct);
    }

    /**
     * The client signs this voucher.
     *
     * @throws IllegalArgumentException when {@code signer} is not the voucher's client
     */
    public SignedVoucher sign(ChainAccount signer, long chainId, EvmAddress payments) {
        if (!signer.address().equals(client)) {
            throw new IllegalArgumentException("voucher client is " + client + " but the signer is " + signer.address());
        }
        return new SignedVoucher(this, signer.sign(digest(chainId, payments)));
    }
}
