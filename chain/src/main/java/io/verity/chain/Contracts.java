package io.verity.chain;

import io.verity.protocol.EvmAddress;
import java.util.Arrays;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint16;

/** Deploys Verity's contracts to any chain and wires them (Settlement becomes a NodeRegistry slasher). */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class Contracts {
    private Contracts() {}

    /**
     * Deploys NodeRegistry (owned by the connection's account), ModelRegistry, Settlement and Payments.
     *
     * @throws ChainException when a deployment transaction fails
     */
    public static Deployment deploy(ChainConnection chain, DeployParams params) {
        long startBlock = chain.blockNumber() + 1;
        EvmAddress registry = deploy(chain, "NodeRegistry", W3.uint256(params.minStake()),
                W3.uint64(params.unbondingDelay().toSeconds()), W3.address(chain.account().address()));
        EvmAddress models = deploy(chain, "ModelRegistry");
        EvmAddress settlement = deploy(chain, "Settlement", W3.address(registry), new Uint16(params.slashBps()),
                new Uint16(params.reporterBps()));
        EvmAddress payments = deploy(chain, "Payments", W3.uint64(params.withdrawalDelay().toSeconds()));
        TxOutcome wired = new NodeRegistryClient(chain, registry).setSlasher(settlement, true);
        if (!(wired instanceof TxOutcome.Confirmed)) {
            throw new ChainException("could not make Settlement a slasher of NodeRegistry: " + wired);
        }
        return new Deployment(chain.chainId(), chain.rpcUrl(), registry, models, settlement, payments, startBlock);
    }

    /** Deploys one compiled contract by name (e.g. "IndividualSettlement") with ABI-typed constructor args. */
    static EvmAddress deploy(ChainConnection chain, String contract, Type<?>... args) {
        String code = ContractArtifact.load(contract).bytecode() + FunctionEncoder.encodeConstructor(Arrays.<Type>asList(args));
        return chain.deploy(code);
    }
}
