package io.verity.chain.contracts;

import io.verity.chain.ChainConnection;
import io.verity.chain.ContractRevertedException;
import io.verity.chain.TxOutcome;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.Objects;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;

/** What every typed contract client holds: the connection it sends and calls through, and the contract's address. */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
abstract sealed class ContractClient
        permits CommitteeClient, DisputeClient, ModelRegistryClient, NodeRegistryClient, PaymentsClient, SettlementClient {
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

    /** A transaction to the contract that sends no value. */
    final TxOutcome send(Function function) {
        return chain.send(address, function, BigInteger.ZERO);
    }

    /** A read-only call to the contract. */
    final List<Type> call(Function function) {
        return chain.call(address, function);
    }

    /** {@link #call}, or empty when the contract reverts with {@code missing}, its error for "no such entry". */
    final Optional<List<Type>> callUnless(String missing, Function function) {
        return callUnless(missing, function, false);
    }

    /** As above; {@code confirmed}: on the state with the policy's confirmations ({@link ChainConnection#callConfirmed}). */
    final Optional<List<Type>> callUnless(String missing, Function function, boolean confirmed) {
        try {
            return Optional.of(confirmed ? chain.callConfirmed(address, function) : call(function));
        } catch (ContractRevertedException e) {
            if (e.errorName().equals(missing)) return Optional.empty();
            throw e;
        }
    }
}
