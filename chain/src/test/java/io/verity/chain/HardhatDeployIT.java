package io.verity.chain;

import io.verity.chain.rpc.TxPolicy;
import io.verity.chain.fixture.HardhatNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * {@link DeployContract} on a Hardhat node, the second EVM implementation, mining a block every half second (on a
 * clock, not per transaction, as a real chain does) and with every transaction waiting for two confirmations. The
 * interval's length changes nothing the test checks, only how long each of its transactions waits for its two
 * blocks (it was one second).
 */
class HardhatDeployIT extends DeployContract {
    private static HardhatNode hardhat;

    /** Started on first use: the base class's @BeforeAll (the deployment) runs before this class's own. */
    private static synchronized HardhatNode hardhat() {
        if (hardhat == null) hardhat = HardhatNode.start(Duration.ofMillis(500));
        return hardhat;
    }

    @AfterAll
    static void stopHardhat() {
        if (hardhat != null) hardhat.close();
        hardhat = null;
    }

    @Override
    String rpcUrl() {
        return hardhat().rpcUrl();
    }

    @Override
    ChainAccount account(int index) {
        return hardhat().accounts().get(index);
    }

    @Override
    TxPolicy policy() {
        return TxPolicy.defaults().withConfirmations(2).withReceiptTimeout(Duration.ofSeconds(30));
    }
}
