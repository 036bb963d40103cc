package io.verity.cli.keys;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.ChainClients;
import io.verity.cli.Main;
import io.verity.node.settle.NodeRegistration;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.crypto.Signature;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The operator's {@code verity node} commands over its node key and stake (docs/keys.md). */
public final class OperatorCommands {
    private OperatorCommands() {}

    @Command(name = "rotate-key", mixinStandardHelpOptions = true,
            description = {"As the operator, replace the node key with --new-node: the registration and the stake move to the",
                    "new key, the old key's batches are refused from then on. Start the node with the new key right after."})
    public static final class RotateKey implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        OperatorOptions operatorOptions = new OperatorOptions();

        @Option(names = "--new-node", required = true, paramLabel = "ADDRESS", description = "the new node key's address")
        String newNode;

        @Option(names = "--consent", required = true, paramLabel = "HEX", description = "the new node key's consent (verity keys consent)")
        String consent;

        @Override
        public Integer call() {
            return operatorOptions.run((operator, chain) -> {
                var old = chain.nodes().nodeOf(operator.address());
                NodeRegistration.check("rotateNodeKey", chain.nodes().rotateNodeKey(EvmAddress.parse(newNode), Signature.parse(consent)));
                System.out.println("operator " + operator.address() + ": node key " + old.map(Object::toString).orElse("?")
                        + " -> " + EvmAddress.parse(newNode));
            });
        }
    }

    @Command(name = "revoke-key", mixinStandardHelpOptions = true,
            description = {"As the operator, revoke the node key (e.g. when it leaked): its batches are refused from then on;",
                    "the stake stays the operator's, to back a new key (verity node register --operator-keystore) or to unbond."})
    public static final class RevokeKey implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        OperatorOptions operatorOptions = new OperatorOptions();

        @Override
        public Integer call() {
            return operatorOptions.run((operator, chain) -> {
                var old = chain.nodes().nodeOf(operator.address());
                NodeRegistration.check("revokeNodeKey", chain.nodes().revokeNodeKey());
                System.out.println("operator " + operator.address() + ": node key " + old.map(Object::toString).orElse("?")
                        + " revoked; stake " + chain.nodes().stakeOf(old.orElse(EvmAddress.ZERO)) + " wei stays");
            });
        }
    }

    @Command(name = "unbond", mixinStandardHelpOptions = true,
            description = {"As the operator, start unbonding stake: --wei N of it, or --exit for all of it (the node goes inactive).",
                    "It stays slashable until withdrawn after the registry's unbonding delay (verity node withdraw)."})
    public static final class Unbond implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        OperatorOptions operatorOptions = new OperatorOptions();

        @picocli.CommandLine.ArgGroup(multiplicity = "1")
        How how;

        public static final class How {
            @Option(names = "--wei", required = true, description = "how much stake to unbond")
            BigInteger wei;

            @Option(names = "--exit", required = true, description = "unbond all of it and take the node out of service")
            boolean exit;
        }

        @Override
        public Integer call() {
            return operatorOptions.run((operator, chain) -> {
                NodeRegistration.check(how.exit ? "exit" : "requestUnbond",
                        how.exit ? chain.nodes().exit() : chain.nodes().requestUnbond(how.wei));
                System.out.println("operator " + operator.address() + ": unbonding; stake left "
                        + chain.nodes().operatorStake(operator.address()) + " wei, withdrawable after "
                        + chain.nodes().unbondingDelay().toSeconds() + " s");
            });
        }
    }

    @Command(name = "withdraw", mixinStandardHelpOptions = true,
            description = "As the operator, withdraw the unbonded stake to the operator's account once the delay has passed.")
    public static final class Withdraw implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        OperatorOptions operatorOptions = new OperatorOptions();

        @Override
        public Integer call() {
            return operatorOptions.run((operator, chain) -> {
                var done = chain.nodes().withdraw();
                NodeRegistration.check("withdraw", done);
                System.out.println("operator " + operator.address() + ": withdrew "
                        + done.confirmed().event("Withdrawn").<BigInteger>arg("amount") + " wei");
            });
        }
    }

    /** Runs {@code action} on the deployment as {@code account}, mapping a refusal to exit 1 and an unreachable chain to 3. */
    public static int onChain(Deployment d, ChainAccount account, java.util.function.Consumer<ChainClients> action) {
        try (ChainClients chain = ChainClients.connect(d, account)) {
            action.accept(chain);
            return 0;
        } catch (io.verity.chain.ContractRevertedException e) {
            System.err.println("verity: NodeRegistry refused: " + e.getMessage());
            return Main.CHECK_FAILED;
        } catch (ChainException e) {
            System.err.println("verity: " + e.getMessage());
            return Main.UNREACHABLE;
        }
    }
}
