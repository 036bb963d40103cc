package io.verity.chain.contracts;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.Deployment;
import io.verity.chain.rpc.TxPolicy;
import java.util.Objects;

/**
 * All four contract clients over one connection, for a deployment and an account; closing it closes the
 * connection. The usual entry point:
 * <pre>{@code
 * try (ChainClients chain = ChainClients.connect(Deployment.read(file), ChainAccount.fromPrivateKey(key))) {
 *     chain.settlement().commitBatch(root, n, uri);
 * }}</pre>
 */
public final class ChainClients implements AutoCloseable {
    private final ChainConnection connection;
    private final Deployment deployment;
    private final NodeRegistryClient nodes;
    private final ModelRegistryClient models;
    private final SettlementClient settlement;
    private final PaymentsClient payments;

    private ChainClients(ChainConnection connection, Deployment deployment) {
        this.connection = connection;
        this.deployment = deployment;
        this.nodes = new NodeRegistryClient(connection, deployment.nodeRegistry());
        this.models = new ModelRegistryClient(connection, deployment.modelRegistry());
        this.settlement = new SettlementClient(connection, deployment.settlement());
        this.payments = new PaymentsClient(connection, deployment.payments());
    }

    /**
     * Connects to {@code deployment.rpcUrl()} as {@code account}.
     *
     * @throws ChainException when the endpoint does not answer
     * @throws IllegalStateException when the endpoint's chain id differs from the deployment's
     */
    public static ChainClients connect(Deployment deployment, ChainAccount account) {
        return connect(deployment, account, TxPolicy.defaults());
    }

    /** {@link #connect(Deployment, ChainAccount)}, sending transactions under {@code policy}. */
    public static ChainClients connect(Deployment deployment, ChainAccount account, TxPolicy policy) {
        Objects.requireNonNull(deployment, "deployment");
        ChainConnection c = ChainConnection.open(deployment.rpcUrl(), account, policy);
        if (c.chainId() != deployment.chainId()) {
            c.close();
            throw new IllegalStateException("chain at " + deployment.rpcUrl() + " has chainId " + c.chainId()
                    + " but the deployment expects " + deployment.chainId());
        }
        return new ChainClients(c, deployment);
    }

    public ChainConnection connection() {
        return connection;
    }

    public Deployment deployment() {
        return deployment;
    }

    public NodeRegistryClient nodes() {
        return nodes;
    }

    public ModelRegistryClient models() {
        return models;
    }

    public SettlementClient settlement() {
        return settlement;
    }

    public PaymentsClient payments() {
        return payments;
    }

    @Override
    public void close() {
        connection.close();
    }
}
