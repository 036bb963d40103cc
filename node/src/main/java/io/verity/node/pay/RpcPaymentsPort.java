package io.verity.node.pay;

import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.rpc.TxPolicy;
import io.verity.chain.TxOutcome;
import io.verity.node.settle.LazyChainClients;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.receipt.SignedVoucher;
import java.math.BigInteger;

/**
 * {@link PaymentsPort} over JSON-RPC ({@link LazyChainClients}: connected lazily and dropped after any failure,
 * so a chain that went away and came back is reached afresh). Calls are serialised: one instance serves one
 * thread's worth of traffic.
 */
final class RpcPaymentsPort implements PaymentsPort {
    private final ChainAccount account;
    private final LazyChainClients chain;

    RpcPaymentsPort(Deployment deployment, ChainAccount account, TxPolicy policy) {
        this.account = account;
        this.chain = new LazyChainClients(deployment, account, policy);
    }

    @Override
    public BigInteger redeemed(EvmAddress client) {
        return chain.call(c -> c.payments().redeemed(client, account.address()));
    }

    @Override
    public BigInteger deposit(EvmAddress client) {
        return chain.call(c -> c.payments().depositOf(client));
    }

    @Override
    public TxOutcome redeem(SignedVoucher voucher) {
        return chain.call(c -> c.payments().redeem(voucher));
    }

    @Override
    public void close() {
        chain.close();
    }
}
