package io.verity.gateway;

import io.verity.chain.fixture.LocalChain;
import io.verity.gateway.fixture.LocalNetwork;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link IntervalMiningFlow} on a Hardhat node (npm <code>hardhat@2</code>) mining a block a second. */
class HardhatIntervalMiningIT extends IntervalMiningFlow {
    @RegisterExtension static final LocalNetwork net = network(LocalChain.Evm.HARDHAT);

    @Override
    LocalNetwork net() {
        return net;
    }
}
