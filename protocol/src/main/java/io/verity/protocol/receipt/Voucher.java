package io.verity.protocol.receipt;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import io.verity.protocol.crypto.NodeKey;
import java.math.BigInteger;
import java.util.Objects;

/**
 * A payment voucher: {@code client} owes {@code node} a total of {@code cumulativeAmount} wei on their
 * channel so far. EIP-712 type {@link #EIP712_TYPE} in the domain ("Verity", "1", chainId, the Payments
 * contract); docs/protocol.md, "Vouchers".
 */
public record Voucher(EvmAddress client, EvmAddress node, BigInteger cumulativeAmount) {
    /** The EIP-712 type string, as the Payments contract's {@code VOUCHER_TYPEHASH} needs it. */
    public static final String EIP712_TYPE = "Voucher(address client,address node,uint256 cumulativeAmount)";

    public Voucher {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(node, "node");
        if (cumulativeAmount == null) throw new IllegalArgumentException("cumulativeAmount must not be null");
        if (cumulativeAmount.signum() < 0 || cumulativeAmount.bitLength() > 256) {
            throw new IllegalArgumentException("cumulativeAmount must be a uint256 (0 <= x < 2^256), got " + cumulativeAmount);
        }
    }

    /** The EIP-712 digest the client signs, for the Payments contract {@code payments} on chain {@code chainId}. */
    public Keccak256 digest(long chainId, EvmAddress payments) {
        return Eip712.digest(Eip712Domain.verity(chainId, payments), Eip712.hashStruct(this));
    }

    /**
     * The client signs this voucher.
     *
     * @throws IllegalArgumentException when {@code signer} is not the voucher's client
     */
    public SignedVoucher sign(NodeKey signer, long chainId, EvmAddress payments) {
        if (!signer.address().equals(client)) {
            throw new IllegalArgumentException("voucher client is " + client + " but the signer is " + signer.address());
        }
        return new SignedVoucher(this, signer.sign(digest(chainId, payments)).toArray());
    }
}
