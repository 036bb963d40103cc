package io.verity.chain;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/**
 * A dispute's cast on the shared anvil ({@link DevnetTestBase}): account 1 the accused node, account 2 the
 * challenger, accounts 3-5 the staked nodes a committee is drawn from. The node and the pool are staked before
 * each test (a subclass's own {@code @BeforeEach} runs after this one).
 */
abstract class DisputeTestBase extends DevnetTestBase {
    static final int NODE = 1, CHALLENGER = 2;
    static final List<Integer> POOL = List.of(3, 4, 5);

    @BeforeEach
    void stakeTheNodeAndThePool() {
        NodeRegistryIT.registerNode(NODE, ether(2)).confirmed();
        for (int a : POOL) NodeRegistryIT.registerNode(a, ether(2)).confirmed();
    }
}
