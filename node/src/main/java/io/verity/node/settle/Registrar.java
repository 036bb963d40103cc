package io.verity.node.settle;

/**
 * The node's standing in NodeRegistry, apart from batching: registered and staked on the first successful
 * contact ({@link NodeRegistration#ensure}), its stake topped up again after a commit the chain refused (a
 * NodeNotStaked after a slash may be cured that way), its model list updated when a model was added to or removed from
 * the hub, its TEE attestation renewed when due. The batcher calls it
 * from its one thread before each step, so the node's transactions keep their nonces in order.
 */
final class Registrar {
    private final ChainPort chain;
    private boolean registered;
    private boolean everRegistered; // once, a refused commit only tops the stake up (NodeRegistration.ensure)

    Registrar(ChainPort chain) {
        this.chain = chain;
    }

    /**
     * Registers (or tops up) unless done since the last refusal, updates the registered models when the hub's
     * changed, then re-attests if due; throws on any failure.
     */
    void ensure() {
        if (!registered || chain.modelsChanged()) {
            chain.ensureRegistered(!everRegistered);
            registered = everRegistered = true;
        }
        chain.reattestIfDue();
    }

    /** The chain refused a commit: check the registration (and stake) again before the next. */
    void refused() {
        registered = false;
    }
}
