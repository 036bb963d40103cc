package io.verity.node.settle;

import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.Deployment;
import io.verity.protocol.receipt.SignedVoucher;
import io.verity.chain.TxOutcome;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.util.function.Supplier;

/**
 * {@link PaymentsPort} over {@link ChainClients}, connected lazily and dropped after any failure (as
 * {@link DevnetChainPort}), so a chain that went away and came back is reached afresh. Calls are serialised:
 * one instance serves one thread's worth of traffic.
 */
final class DevnetPaymentsPort implements PaymentsPort {
    private final Deployment deployment;
    private final ChainAccount account;
    private ChainClients clients;

    DevnetPaymentsPort(Deployment deployment, ChainAccount account) {
        this.deployment = deployment;
        this.account = account;
    }

    @Override
    public synchronized BigInteger redeemed(EvmAddress client) {
        return attempt(() -> clients().payments().redeemed(client, account.address()));
    }

    @Override
    public synchronized BigInteger deposit(EvmAddress client) {
        return attempt(() -> clients().payments().depositOf(client));
    }

    @Override
    public synchronized TxOutcome redeem(SignedVoucher voucher) {
        return attempt(() -> clients().payments().redeem(voucher));
    }

    private <T> T attempt(Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private ChainClients clients() {
        if (clients == null) clients = ChainClients.connect(deployment, account);
        return clients;
    }

    @Override
    public synchronized void close() {
        if (clients != null) {
            ChainClients c = clients;
            clients = null;
            c.close();
        }
    }
}
