package io.verity.chain.devnet;

import io.verity.chain.ChainConnection;
import io.verity.chain.ContractArtifact;
import io.verity.chain.Deployment;
import io.verity.chain.W3;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.web3j.abi.datatypes.Type;

/**
 * What a deployment on a chain turned out to be: for each contract, whether its code is this build's runtime code,
 * and whether its owner, wiring and constructor settings are the expected ones. {@code found} says what matched,
 * {@code problems} what did not; the deployment is sound when there are no problems.
 */
@SuppressWarnings("rawtypes") // web3j's ABI API traffics in raw Type (List<Type>)
public record DeploymentCheck(List<String> found, List<String> problems) {
    public DeploymentCheck {
        found = List.copyOf(found);
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    /**
     * Checks {@code d} on {@code chain} against this build and the expected settings.
     *
     * @throws io.verity.chain.ChainException when the chain cannot be read
     */
    public static DeploymentCheck of(ChainConnection chain, Deployment d, EvmAddress owner, DeployParams params,
                                     DisputeParams disputes) {
        Checker c = new Checker(chain);
        if (chain.chainId() != d.chainId()) {
            c.problem("the deployment is for chain " + d.chainId() + " but " + chain.rpcUrl() + " is chain " + chain.chainId());
            return c.result();
        }
        if (c.code("NodeRegistry", d.nodeRegistry())) {
            c.expect(d.nodeRegistry(), "NodeRegistry", "owner", "address", owner);
            c.expect(d.nodeRegistry(), "NodeRegistry", "minStake", "uint256", params.minStake());
            c.expect(d.nodeRegistry(), "NodeRegistry", "unbondingDelay", "uint64", seconds(params.unbondingDelay()));
            c.expect(d.nodeRegistry(), "NodeRegistry", "isSlasher", "bool", true, W3.address(d.settlement()));
            if (d.disputeGame() != null) c.expect(d.nodeRegistry(), "NodeRegistry", "isSlasher", "bool", true, W3.address(d.disputeGame()));
            if (d.committeeDisputes() != null) {
                c.expect(d.nodeRegistry(), "NodeRegistry", "isSlasher", "bool", true, W3.address(d.committeeDisputes()));
            }
        }
        c.code("ModelRegistry", d.modelRegistry());
        if (c.code("Settlement", d.settlement())) {
            c.expect(d.settlement(), "Settlement", "registry", "address", d.nodeRegistry());
            c.expect(d.settlement(), "Settlement", "slashBps", "uint16", BigInteger.valueOf(params.slashBps()));
            c.expect(d.settlement(), "Settlement", "reporterBps", "uint16", BigInteger.valueOf(params.reporterBps()));
        }
        if (c.code("Payments", d.payments())) {
            c.expect(d.payments(), "Payments", "withdrawalDelay", "uint64", seconds(params.withdrawalDelay()));
        }
        if (d.disputeGame() == null) {
            c.problem("DisputeGame: the deployment file names none");
        } else if (c.code("DisputeGame", d.disputeGame())) {
            EvmAddress g = d.disputeGame();
            c.expect(g, "DisputeGame", "registry", "address", d.nodeRegistry());
            c.expect(g, "DisputeGame", "settlement", "address", d.settlement());
            c.expect(g, "DisputeGame", "minBond", "uint256", disputes.minBond());
            c.expect(g, "DisputeGame", "moveTimeout", "uint64", seconds(disputes.moveTimeout()));
            c.expect(g, "DisputeGame", "voteTimeout", "uint64", seconds(disputes.voteTimeout()));
            c.expect(g, "DisputeGame", "committeeSize", "uint8", BigInteger.valueOf(disputes.committeeSize()));
            c.expect(g, "DisputeGame", "slashBps", "uint16", BigInteger.valueOf(disputes.slashBps()));
            c.expect(g, "DisputeGame", "committeeBps", "uint16", BigInteger.valueOf(disputes.committeeBps()));
            c.expect(g, "DisputeGame", "wrongVoteSlash", "uint256", disputes.wrongVoteSlash());
            c.expect(g, "DisputeGame", "disputeWindow", "uint64", seconds(disputes.disputeWindow()));
        }
        if (d.committeeDisputes() == null) {
            c.problem("CommitteeDisputes: the deployment file names none");
        } else if (c.code("CommitteeDisputes", d.committeeDisputes())) {
            // its parameters are the owner's to change (setParams), so only the wiring is checked
            EvmAddress k = d.committeeDisputes();
            c.expect(k, "CommitteeDisputes", "owner", "address", owner);
            c.expect(k, "CommitteeDisputes", "registry", "address", d.nodeRegistry());
            c.expect(k, "CommitteeDisputes", "models", "address", d.modelRegistry());
            c.expect(k, "CommitteeDisputes", "settlement", "address", d.settlement());
        }
        return c.result();
    }

    private static BigInteger seconds(java.time.Duration d) {
        return BigInteger.valueOf(d.toSeconds());
    }

    private static final class Checker {
        private final ChainConnection chain;
        private final List<String> found = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();

        Checker(ChainConnection chain) {
            this.chain = chain;
        }

        void problem(String p) {
            problems.add(p);
        }

        /** True when there is code at {@code at} (matching or not), so its getters can be read. */
        boolean code(String contract, EvmAddress at) {
            String code = chain.code(at);
            if (code.length() <= 2) {
                problems.add(contract + " " + at + ": no code there");
                return false;
            }
            if (ContractArtifact.load(contract).isRuntimeCode(code)) {
                found.add(contract + " " + at + ": code is this build's");
            } else {
                problems.add(contract + " " + at + ": code differs from this build's (another version, or another contract)");
            }
            return true;
        }

        void expect(EvmAddress at, String contract, String getter, String type, Object expected, Type... args) {
            String what = contract + "." + getter + (args.length == 0 ? "" : "(" + W3.java(List.of(args), 0) + ")");
            Object actual;
            try {
                actual = W3.java(chain.call(at, W3.fn(getter, List.of(args), type)), 0);
            } catch (RuntimeException e) { // a revert, or no such function: this is not the contract it should be
                problems.add(what + ": cannot be read (" + e.getMessage() + ")");
                return;
            }
            if (Objects.equals(actual, expected)) found.add(what + " = " + actual);
            else problems.add(what + " is " + actual + ", expected " + expected);
        }

        DeploymentCheck result() {
            return new DeploymentCheck(found, problems);
        }
    }
}
