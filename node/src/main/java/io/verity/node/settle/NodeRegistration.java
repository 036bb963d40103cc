package io.verity.node.settle;

import io.verity.chain.ChainException;
import io.verity.chain.ContractRevertedException;
import io.verity.chain.NodeInfo;
import io.verity.chain.NodeRegistryClient;
import io.verity.chain.TxOutcome;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/** Registers and stakes a node in the NodeRegistry on its first start; later starts change nothing. */
public final class NodeRegistration {
    private NodeRegistration() {}

    /** What {@link #ensure} did. */
    public enum Result { REGISTERED, TOPPED_UP, ALREADY_REGISTERED }

    /**
     * Registers {@code self} (the registry client's account) with {@code stake} wei, or the registry's
     * minimum when empty; tops the stake up to the minimum when a registered node fell below it.
     *
     * @throws ContractRevertedException when the registry refuses (e.g. a stake below its minimum)
     * @throws ChainException when the chain is unreachable or the transaction is not mined yet (call again)
     */
    public static Result ensure(NodeRegistryClient nodes, EvmAddress self, String endpoint, List<Keccak256> models,
            BigInteger price, Optional<BigInteger> stake) {
        BigInteger min = nodes.minStake();
        Optional<NodeInfo> existing = nodes.node(self);
        if (existing.isPresent()) {
            BigInteger have = existing.get().stake();
            if (have.compareTo(min) >= 0) return Result.ALREADY_REGISTERED;
            check("topUp", nodes.topUp(min.subtract(have)));
            return Result.TOPPED_UP;
        }
        check("register", nodes.register(endpoint, models, Keccak256.ZERO, price, stake.orElse(min)));
        return Result.REGISTERED;
    }

    private static void check(String function, TxOutcome outcome) {
        switch (outcome) {
            case TxOutcome.Confirmed c -> { }
            case TxOutcome.Reverted r -> throw new ContractRevertedException(function, r.errorName(), r.args());
            case TxOutcome.Pending p -> throw new ChainException(function + " transaction " + p.txHash()
                    + " is not mined yet; call again to check");
        }
    }
}
