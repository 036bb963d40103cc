package io.verity.gateway.pay;

import io.verity.protocol.wire.Payment;
import io.verity.gateway.policy.PolicyEngine;
import io.verity.gateway.routing.NodeState;
import java.math.BigInteger;

/** How the {@link PolicyEngine} pays nodes for the answers it uses; {@link Payer} pays with vouchers. */
public interface Payments {
    /**
     * Holds {@code price} against the client's deposit for an answer about to be asked for, or refuses.
     *
     * @throws Payer.DepositShort when the deposit cannot cover it (402, before any node works for it)
     */
    Hold hold(BigInteger price);

    /** Promises {@code amount} more to {@code node}. */
    Payment pay(NodeState node, BigInteger amount);

    /** What an answer in flight may cost, held until closed; closing twice releases once. */
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }
}
