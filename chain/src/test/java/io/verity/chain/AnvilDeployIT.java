package io.verity.chain;

import io.verity.chain.rpc.TxPolicy;
import io.verity.chain.fixture.LocalChain;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link DeployContract} on the JVM's shared anvil (automine), one confirmation. */
class AnvilDeployIT extends DeployContract {
    @RegisterExtension static final LocalChain chain = LocalChain.perClass();

    @Override
    String rpcUrl() {
        return chain.rpcUrl();
    }

    @Override
    ChainAccount account(int index) {
        return chain.account(index);
    }

    @Override
    TxPolicy policy() {
        return TxPolicy.defaults();
    }
}
