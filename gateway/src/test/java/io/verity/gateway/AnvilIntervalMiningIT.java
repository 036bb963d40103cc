package io.verity.gateway;

import io.verity.chain.fixture.LocalChain;
import io.verity.gateway.fixture.LocalNetwork;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link IntervalMiningFlow} on anvil mining a block a second (<code>--block-time 1</code>). */
class AnvilIntervalMiningIT extends IntervalMiningFlow {
    @RegisterExtension static final LocalNetwork net = network(LocalChain.Evm.ANVIL);

    @Override
    LocalNetwork net() {
        return net;
    }
}
