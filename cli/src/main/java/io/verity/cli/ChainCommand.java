package io.verity.cli;

import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.NodeInfo;
import io.verity.protocol.EvmAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "chain", mixinStandardHelpOptions = true, description = "Verity's contracts on an EVM chain.",
        subcommands = {ChainCommand.Status.class, ChainDeploy.class})
public final class ChainCommand {

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the contracts, the registered nodes with their stakes, and the committed batches.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ChainOptions chainOptions = new ChainOptions();

        @Override
        public Integer call() {
            Deployment d = chainOptions.find().orElseThrow(() -> new TensorFiles.UsageError(
                    "no deployment at " + chainOptions.file() + "; run verity up, or give --deployment"));
            System.out.println("chain " + d.chainId() + " at " + d.rpcUrl());
            System.out.println("  NodeRegistry  " + d.nodeRegistry());
            System.out.println("  ModelRegistry " + d.modelRegistry());
            System.out.println("  Settlement    " + d.settlement());
            System.out.println("  Payments      " + d.payments());
            try (ChainClients chain = ChainClients.connect(d, ChainAccount.READ_ONLY)) {
                System.out.println("nodes (" + chain.nodes().nodeCount() + " registered, minimum stake "
                        + chain.nodes().minStake() + " wei):");
                for (EvmAddress a : chain.nodes().registeredNodes()) {
                    NodeInfo n = chain.nodes().node(a).orElseThrow();
                    String operator = chain.nodes().operatorOf(a).filter(o -> !o.equals(a)).map(o -> "  operator " + o).orElse("");
                    System.out.printf("  %s  stake %s wei  price %s wei  %s  %s%s%n", a, n.stake(), n.price(), n.endpoint(),
                            chain.nodes().isRevoked(a) ? "revoked" : chain.nodes().isStaked(a) ? "staked" : "not staked", operator);
                }
                System.out.println("batches committed: " + chain.settlement().batchCount());
            } catch (ChainException e) {
                System.err.println("verity: " + e.getMessage() + " (is the chain running, e.g. under verity up?)");
                return Main.UNREACHABLE;
            }
            return 0;
        }
    }
}
