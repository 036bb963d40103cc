package io.verity.protocol.wire;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.util.Objects;

/**
 * What a gateway promised a node for one request on the client account's behalf: {@code amount} wei more,
 * raising the node's cumulative voucher to {@code cumulativeAmount} (docs/protocol.md, "Vouchers"). On the wire
 * both amounts are decimal strings: uint256 does not fit a JSON number.
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

    /** {@code {node, amount, cumulativeAmount}}, the amounts as decimal strings. */
    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("node", node.toString()).put("amount", amount.toString())
                .put("cumulativeAmount", cumulativeAmount.toString());
    }
}
