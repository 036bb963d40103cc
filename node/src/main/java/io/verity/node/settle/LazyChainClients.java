package io.verity.node.settle;

import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.rpc.TxPolicy;
import io.verity.chain.contracts.ChainClients;
import java.util.function.Function;

/**
 * {@link ChainClients} connected on first use and dropped after any failure, so an endpoint that went away and
 * came back is reached afresh by the next call. Calls are serialised.
 */
public final class LazyChainClients implements AutoCloseable {
    private final Deployment deployment;
    private final ChainAccount account;
    private final TxPolicy policy;
    private ChainClients clients;

    public LazyChainClients(Deployment deployment, ChainAccount account, TxPolicy policy) {
        this.deployment = deployment;
        this.account = account;
        this.policy = policy;
    }

    /** {@code call} on the connected clients; a failure closes them and is rethrown. */
    public synchronized <T> T call(Function<ChainClients, T> call) {
        try {
            if (clients == null) clients = ChainClients.connect(deployment, account, policy);
            return call.apply(clients);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
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
