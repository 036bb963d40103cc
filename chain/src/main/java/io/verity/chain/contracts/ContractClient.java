package io.verity.chain.contracts;

import io.verity.chain.ChainConnection;
import io.verity.protocol.EvmAddress;
import java.util.Objects;

/** What every typed contract client holds: the connection it sends and calls through, and the contract's address. */
abstract sealed class ContractClient
        permits DisputeClient, ModelRegistryClient, NodeRegistryClient, PaymentsClient, SettlementClient {
    final ChainConnection chain;
    final EvmAddress address;

    ContractClient(ChainConnection chain, EvmAddress address) {
        this.chain = Objects.requireNonNull(chain, "chain");
        this.address = Objects.requireNonNull(address, "address");
    }

    /** The contract's address. */
    public EvmAddress address() {
        return address;
    }

    /** The connection (and so the account) this client acts through. */
    public ChainConnection connection() {
        return chain;
    }
}
