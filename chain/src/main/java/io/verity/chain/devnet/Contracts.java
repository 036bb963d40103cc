package io.verity.chain.devnet;

import io.verity.chain.ChainConnection;
import io.verity.chain.ChainException;
import io.verity.chain.ContractArtifact;
import io.verity.chain.Deployment;
import io.verity.chain.TxOutcome;
import io.verity.chain.W3;
import io.verity.chain.contracts.NodeRegistryClient;
import io.verity.protocol.EvmAddress;
import java.util.Arrays;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * Deploys Verity's contracts to any chain and wires them (Settlement, DisputeGame and CommitteeDisputes become
 * NodeRegistry slashers).
 */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public final class Contracts {
    private Contracts() {}

    /** {@link #deploy(ChainConnection, DeployParams, DisputeParams)} with {@link DisputeParams#defaults()}. */
    public static Deployment deploy(ChainConnection chain, DeployParams params) {
        return deploy(chain, params, DisputeParams.defaults());
    }

    /**
     * Deploys NodeRegistry (owned by the connection's account), ModelRegistry, Settlement, Payments,
     * DisputeGame and CommitteeDisputes (with {@link CommitteeParams#defaults()}; its owner changes them).
     *
     * @throws ChainException when a deployment transaction fails
     */
    public static Deployment deploy(ChainConnection chain, DeployParams params, DisputeParams disputes) {
        long startBlock = chain.blockNumber() + 1;
        EvmAddress registry = deploy(chain, "NodeRegistry", W3.uint256(params.minStake()),
                W3.uint64(params.unbondingDelay().toSeconds()), W3.address(chain.account().address()));
        EvmAddress models = deploy(chain, "ModelRegistry");
        EvmAddress settlement = deploy(chain, "Settlement", W3.address(registry), new Uint16(params.slashBps()),
                new Uint16(params.reporterBps()));
        EvmAddress payments = deploy(chain, "Payments", W3.uint64(params.withdrawalDelay().toSeconds()),
                W3.address(registry)); // pays each voucher to the node key's operator
        TxOutcome wired = new NodeRegistryClient(chain, registry).setSlasher(settlement, true);
        if (!(wired instanceof TxOutcome.Confirmed)) {
            throw new ChainException("could not make Settlement a slasher of NodeRegistry: " + wired);
        }
        Deployment d = new Deployment(chain.chainId(), chain.rpcUrl(), registry, models, settlement, payments, startBlock);
        d = d.withDisputeGame(deployDisputeGame(chain, d, disputes));
        return d.withCommitteeDisputes(deployCommitteeDisputes(chain, d, CommitteeParams.defaults()));
    }

    /**
     * {@link #deploy(ChainConnection, DeployParams, DisputeParams)}, then hands NodeRegistry and CommitteeDisputes (the
     * contracts with an owner) to {@code owner}, e.g. a multisig; the deployer keeps no rights afterwards. The deployer owns it
     * first because wiring the slashers needs the owner.
     *
     * @throws ChainException when a transaction fails
     */
    public static Deployment deploy(ChainConnection chain, DeployParams params, DisputeParams disputes, EvmAddress owner) {
        Deployment d = deploy(chain, params, disputes);
        if (!owner.equals(chain.account().address())) {
            TxOutcome handed = chain.send(d.nodeRegistry(), W3.fn("transferOwnership", W3.address(owner)), java.math.BigInteger.ZERO);
            if (!(handed instanceof TxOutcome.Confirmed)) {
                throw new ChainException("could not hand NodeRegistry to its owner " + owner + ": " + handed);
            }
            handed = chain.send(d.committeeDisputes(), W3.fn("transferOwnership", W3.address(owner)), java.math.BigInteger.ZERO);
            if (!(handed instanceof TxOutcome.Confirmed)) {
                throw new ChainException("could not hand CommitteeDisputes to its owner " + owner + ": " + handed);
            }
        }
        return d;
    }

    /**
     * Deploys a DisputeGame next to an existing deployment and makes it a NodeRegistry slasher; the connection's
     * account must own NodeRegistry.
     *
     * @throws ChainException when a transaction fails
     */
    public static EvmAddress deployDisputeGame(ChainConnection chain, Deployment d, DisputeParams p) {
        EvmAddress game = deploy(chain, "DisputeGame", W3.address(d.nodeRegistry()), W3.address(d.settlement()),
                W3.uint256(p.minBond()), W3.uint64(p.moveTimeout().toSeconds()), W3.uint64(p.voteTimeout().toSeconds()),
                new Uint8(p.committeeSize()), new Uint16(p.slashBps()), new Uint16(p.committeeBps()),
                W3.uint256(p.wrongVoteSlash()), W3.uint64(p.disputeWindow().toSeconds()));
        TxOutcome wired = new NodeRegistryClient(chain, d.nodeRegistry()).setSlasher(game, true);
        if (!(wired instanceof TxOutcome.Confirmed)) {
            throw new ChainException("could not make DisputeGame a slasher of NodeRegistry: " + wired);
        }
        return game;
    }

    /**
     * Deploys CommitteeDisputes (owned by the connection's account) next to an existing deployment and makes it a
     * NodeRegistry slasher; the connection's account must own NodeRegistry.
     *
     * @throws ChainException when a transaction fails
     */
    public static EvmAddress deployCommitteeDisputes(ChainConnection chain, Deployment d, CommitteeParams p) {
        EvmAddress committee = deploy(chain, "CommitteeDisputes", W3.address(d.nodeRegistry()), W3.address(d.modelRegistry()),
                W3.address(d.settlement()), p.struct(), W3.address(chain.account().address()));
        TxOutcome wired = new NodeRegistryClient(chain, d.nodeRegistry()).setSlasher(committee, true);
        if (!(wired instanceof TxOutcome.Confirmed)) {
            throw new ChainException("could not make CommitteeDisputes a slasher of NodeRegistry: " + wired);
        }
        return committee;
    }

    /** Deploys one compiled contract by name (e.g. "IndividualSettlement") with ABI-typed constructor args. */
    public static EvmAddress deploy(ChainConnection chain, String contract, Type<?>... args) {
        String code = ContractArtifact.load(contract).bytecode() + FunctionEncoder.encodeConstructor(Arrays.<Type>asList(args));
        return chain.deploy(code);
    }
}
