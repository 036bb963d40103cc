package io.verity.node.settle;

import io.verity.protocol.Keccak256;

/** The two chain operations the batcher needs; both are idempotent and throw on any failure. */
interface ChainPort extends AutoCloseable {
    /**
     * Registers and stakes the node unless it already is; {@code starting} false (after a refused commit) only
     * tops the stake up, never registers a node that left the registry (see {@link NodeRegistration#ensure}).
     */
    void ensureRegistered(boolean starting);

    /**
     * Whether the models the node serves differ from those it last registered: a model was added to or removed
     * from its hub while it runs, so its registration needs {@link #ensureRegistered} again.
     */
    default boolean modelsChanged() {
        return false;
    }

    /** Records (or renews) the node's TEE attestation in NodeRegistry when it has evidence and is due. */
    default void reattestIfDue() {}

    /** Makes sure the node's batch with this root is committed and returns its batch id. */
    long commit(Keccak256 root, long count, String uri);

    @Override
    void close();
}
