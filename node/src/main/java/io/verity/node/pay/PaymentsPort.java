package io.verity.node.pay;

import io.verity.chain.TxOutcome;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.SignedVoucher;
import java.math.BigInteger;

/** The Payments calls a node's voucher channels need; reads and sends throw on any chain failure. */
interface PaymentsPort extends AutoCloseable {
    /** What the channel (client, this node) has redeemed on chain so far. */
    BigInteger redeemed(EvmAddress client);

    /** The client's escrow in Payments. */
    BigInteger deposit(EvmAddress client);

    /** Redeems as this node; a contract refusal comes back as {@link TxOutcome.Reverted}. */
    TxOutcome redeem(SignedVoucher voucher);

    @Override
    void close();
}
