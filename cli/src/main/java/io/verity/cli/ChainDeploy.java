package io.verity.cli;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainConnection;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.chain.keys.KeyStoreFile;
import io.verity.chain.rpc.TxPolicy;
import io.verity.chain.devnet.Contracts;
import io.verity.chain.devnet.DeployParams;
import io.verity.chain.devnet.DeploymentCheck;
import io.verity.chain.devnet.DisputeParams;
import io.verity.cli.keys.PasswordOptions;
import io.verity.protocol.EvmAddress;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code verity chain deploy}: the contract suite onto any EVM chain, or, when the deployment file already exists,
 * a check of what is there. Keys come from a keystore or an environment variable, never from the command line
 * (where {@code ps} and shell history would show them).
 */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Deploy Verity's contracts to an EVM chain (EIP-1559 fees, waits --confirmations) and write the"
                + " deployment file nodes, gateways and the explorer read; with an existing deployment file, check it"
                + " instead (code is this build's, owner, parameters).",
                "Exit codes: 0 deployed or checked sound, 1 a check failed or the account has no funds, 2 usage,"
                        + " 3 the chain is unreachable."})
final class ChainDeploy implements Callable<Integer> {
    @Mixin
    ChainOptions chainOptions = new ChainOptions();

    @Option(names = "--keystore", paramLabel = "FILE", description = "the deployer's key as an Ethereum JSON keystore")
    Path keystore;

    @Mixin
    PasswordOptions password = new PasswordOptions(); // --keystore's, as for every other keystore the CLI opens

    @Option(names = "--key-env", paramLabel = "NAME", description = "environment variable holding the deployer's private key (hex)")
    String keyEnv;

    @Option(names = "--owner", paramLabel = "ADDRESS",
            description = "owner of the contracts (NodeRegistry's allowlists and slashers), e.g. a multisig; default: the deployer")
    String owner;

    @Option(names = "--confirmations", defaultValue = "1", description = "blocks each transaction waits for (default ${DEFAULT-VALUE})")
    int confirmations;

    @Option(names = "--chain-id", description = "refuse to deploy unless the RPC endpoint is this chain")
    Long chainId;

    @Option(names = "--receipt-timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "how long one transaction may take to confirm (default ${DEFAULT-VALUE})")
    long receiptTimeoutSeconds;

    @Option(names = "--min-stake", paramLabel = "WEI", description = "least stake a node must hold (default 1 ether)")
    BigInteger minStake;

    @Option(names = "--unbonding-delay", paramLabel = "SECONDS", description = "how long unbonding stake stays slashable (default 1 day)")
    Long unbondingDelay;

    @Option(names = "--withdrawal-delay", paramLabel = "SECONDS", description = "how long a client's withdrawal waits (default 1 day)")
    Long withdrawalDelay;

    @Option(names = "--dispute-window", paramLabel = "SECONDS",
            description = "how long after its batch commit a receipt can be disputed (DisputeGame); nodes keep its inputs that long (default 1 day)")
    Long disputeWindow;

    @Override
    public Integer call() {
        String rpc = chainOptions.where.rpc;
        if (rpc == null) throw new TensorFiles.UsageError("give --rpc URL, the chain's JSON-RPC endpoint");
        DeployParams params = params();
        DisputeParams disputes = disputes();
        ChainAccount deployer = deployer();
        EvmAddress ownerAddress = owner == null ? deployer.address() : EvmAddress.parse(owner);
        Path file = chainOptions.file();
        PrintStream out = System.out;
        TxPolicy policy = TxPolicy.defaults().withConfirmations(confirmations)
                .withReceiptTimeout(Duration.ofSeconds(receiptTimeoutSeconds));
        try (ChainConnection chain = ChainConnection.open(rpc, deployer, policy)) {
            if (chainId != null && chainId != chain.chainId()) {
                System.err.println("verity: " + rpc + " is chain " + chain.chainId() + ", not the --chain-id " + chainId + " asked for");
                return Main.CHECK_FAILED;
            }
            if (Files.exists(file)) {
                Deployment d = Deployment.read(file);
                out.println("checking the deployment in " + file + " (chain " + d.chainId() + ") at " + rpc);
                return report(DeploymentCheck.of(chain, d, ownerAddress, params, disputes), out);
            }
            if (chain.balanceOf(deployer.address()).signum() == 0) {
                System.err.println("verity: the deployer " + deployer.address() + " has no funds on chain " + chain.chainId()
                        + "; send it some of the chain's native currency first");
                return Main.CHECK_FAILED;
            }
            out.println("deploying to chain " + chain.chainId() + " at " + rpc + " as " + deployer.address()
                    + ", owner " + ownerAddress + ", " + confirmations + " confirmation(s) per transaction");
            Deployment d = Contracts.deploy(chain, params, disputes, ownerAddress);
            d.write(file);
            out.println("  NodeRegistry  " + d.nodeRegistry());
            out.println("  ModelRegistry " + d.modelRegistry());
            out.println("  Settlement    " + d.settlement());
            out.println("  Payments      " + d.payments());
            out.println("  DisputeGame   " + d.disputeGame() + " (dispute window " + disputes.disputeWindow().toSeconds() + " s)");
            out.println("  CommitteeDisputes " + d.committeeDisputes());
            out.println("wrote " + file);
            return report(DeploymentCheck.of(chain, d, ownerAddress, params, disputes), out);
        } catch (ChainException e) {
            System.err.println("verity: " + e.getMessage());
            return Main.UNREACHABLE;
        }
    }

    private static int report(DeploymentCheck check, PrintStream out) {
        check.found().forEach(f -> out.println("  ok       " + f));
        check.problems().forEach(p -> out.println("  PROBLEM  " + p));
        out.println(check.ok() ? "the deployment is sound" : check.problems().size() + " problem(s) found");
        return check.ok() ? 0 : Main.CHECK_FAILED;
    }

    private DisputeParams disputes() {
        if (disputeWindow == null) return DisputeParams.defaults();
        if (disputeWindow < 1) throw new TensorFiles.UsageError("--dispute-window must be at least 1 second, got " + disputeWindow);
        return DisputeParams.defaults().withDisputeWindow(Duration.ofSeconds(disputeWindow));
    }

    private DeployParams params() {
        DeployParams d = DeployParams.defaults();
        return new DeployParams(minStake != null ? minStake : d.minStake(),
                unbondingDelay != null ? Duration.ofSeconds(unbondingDelay) : d.unbondingDelay(), d.slashBps(), d.reporterBps(),
                withdrawalDelay != null ? Duration.ofSeconds(withdrawalDelay) : d.withdrawalDelay());
    }

    /** The deployer's key: exactly one of --keystore (with one password source) and --key-env. */
    private ChainAccount deployer() {
        if ((keystore == null) == (keyEnv == null)) {
            throw new TensorFiles.UsageError("give the deployer's key with exactly one of --keystore FILE or --key-env NAME");
        }
        if (keyEnv != null) {
            if (password.given()) {
                throw new TensorFiles.UsageError("--password-file and --password-env go with --keystore, not --key-env");
            }
            return ChainAccount.fromPrivateKey(env(keyEnv, "--key-env"));
        }
        try {
            return KeyStoreFile.read(keystore, password.password("--keystore"));
        } catch (IllegalArgumentException e) {
            throw new TensorFiles.UsageError("--keystore: " + e.getMessage());
        }
    }

    private static String env(String name, String flag) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) throw new TensorFiles.UsageError(flag + ": environment variable " + name + " is not set");
        return v.strip();
    }
}
