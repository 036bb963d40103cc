package io.verity.node.settle;

import io.verity.chain.ChainException;
import io.verity.chain.ContractRevertedException;
import io.verity.chain.contracts.NodeInfo;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.chain.TxOutcome;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.Keccak256;
import java.math.BigInteger;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Registers and stakes a node in the NodeRegistry on its first start; later starts change nothing. */
public final class NodeRegistration {
    private NodeRegistration() {}

    /** What {@link #ensure} did; none of them when the node was registered as it should be. */
    public enum Action { REGISTERED, TOPPED_UP, ENDPOINT_UPDATED, MODELS_UPDATED }

    /**
     * Registers {@code self} (the registry client's account) with {@code stake} wei, or the registry's
     * minimum when empty; so does a node that exited or was deactivated when {@code starting} (starting it again
     * means serving again: the registry takes fresh stake, the old one keeps unbonding). A running node that
     * finds itself exited or deactivated does not register again: its operator chose that, and overriding it
     * would bring a node back to every gateway the moment it was taken out. For a node already registered it tops the stake up to the minimum when it fell
     * below, and updates the registration (endpoint, models, price) when its endpoint moved or its models changed
     * (gateways route a model only to nodes that registered it).
     *
     * <p>A node key an operator registered ({@code registerNode}) stakes nothing itself: registering it again and
     * topping up are the operator's ({@code verity node register --operator-keystore}), so then this throws a
     * ChainException saying so; a key its operator replaced or revoked is told to stop.
     *
     * @throws ContractRevertedException when the registry refuses (e.g. a stake below its minimum)
     * @throws ChainException when the chain is unreachable or the transaction is not mined yet (call again)
     */
    public static Set<Action> ensure(NodeRegistryClient nodes, EvmAddress self, String endpoint, List<Keccak256> models,
            BigInteger price, Optional<BigInteger> stake, boolean starting) {
        BigInteger min = nodes.minStake();
        Optional<NodeInfo> existing = nodes.node(self);
        Optional<EvmAddress> operator = existing.isPresent() ? nodes.operatorOf(self) : Optional.empty();
        boolean operated = operator.isPresent() && !operator.get().equals(self);
        if (existing.isPresent() && nodes.isRevoked(self)) {
            throw new ChainException("node key " + self + " was replaced or revoked by its operator " + operator.orElse(self)
                    + "; it commits no more batches (start the node with the key that replaced it)");
        }
        if (operated && (!existing.get().active() || existing.get().stake().compareTo(min) < 0)) {
            throw new ChainException("node " + self + " is " + (existing.get().active() ? "staked below the minimum " + min + " wei"
                    : "not active") + " in NodeRegistry; its operator " + operator.get() + " registers and stakes it"
                    + " (verity node register --operator-keystore)");
        }
        if (!starting && existing.isPresent() && !existing.get().active()) {
            throw new ChainException("node " + self + " left NodeRegistry (exit or deactivation) while running; it commits"
                    + " no batches until restarted, which registers it again");
        }
        if (existing.isEmpty() || !existing.get().active()) {
            check("register", nodes.register(endpoint, models, Keccak256.ZERO, price, stake.orElse(min)));
            return EnumSet.of(Action.REGISTERED);
        }
        Set<Action> done = EnumSet.noneOf(Action.class);
        BigInteger have = existing.get().stake();
        if (have.compareTo(min) < 0) {
            check("topUp", nodes.topUp(min.subtract(have)));
            done.add(Action.TOPPED_UP);
        }
        boolean moved = !existing.get().endpoint().equals(endpoint);
        boolean modelsChanged = !Set.copyOf(existing.get().models()).equals(Set.copyOf(models)); // order carries no meaning
        if (moved || modelsChanged) {
            check("update", nodes.update(endpoint, models, existing.get().attestationDigest(), price));
            if (moved) done.add(Action.ENDPOINT_UPDATED);
            if (modelsChanged) done.add(Action.MODELS_UPDATED);
        }
        return done;
    }

    /**
     * Nothing when {@code outcome} is confirmed.
     *
     * @throws ContractRevertedException when it reverted, with the contract's error
     * @throws ChainException when it is not mined yet
     */
    public static void check(String function, TxOutcome outcome) {
        switch (outcome) {
            case TxOutcome.Confirmed c -> { }
            case TxOutcome.Reverted r -> throw new ContractRevertedException(function, r.errorName(), r.args());
            case TxOutcome.Pending p -> throw new ChainException(function + " transaction " + p.txHash()
                    + " is not mined yet; call again to check");
        }
    }
}
