package io.verity.client;

import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.util.Objects;

/**
 * What a gateway promised a node for this request on the client account's behalf: {@code amount} wei more,
 * raising the node's cumulative voucher to {@code cumulativeAmount} (docs/protocol.md, "Vouchers").
 */
public record Payment(EvmAddress node, BigInteger amount, BigInteger cumulativeAmount) {
    public Payment {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(cumulativeAmount, "cumulativeAmount");
        if (amount.signum() < 0) throw new IllegalArgumentException("payment amount must be >= 0 wei, got " + amount);
        if (cumulativeAmount.compareTo(amount) < 0) {
            throw new IllegalArgumentException("payment cumulativeAmount must be >= amount (" + amount + "), got " + cumulativeAmount);
        }
    }
}
