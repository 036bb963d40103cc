package io.verity.cli;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.chain.TxOutcome;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verity model rule set|show DIGEST}: a model's comparison rule in ModelRegistry (docs/gateway.md,
 * "Comparison rules"). Exit codes: 0 done; 1 refused (not registered, not the owner, reverted); 2 usage or bad
 * input; 3 the chain could not be reached.
 */
@Command(name = "rule", mixinStandardHelpOptions = true,
        description = "A model's comparison rule on chain: bit-exact, an abs/rel tolerance, or none.",
        subcommands = {ModelRuleCommand.Show.class, ModelRuleCommand.Set.class})
final class ModelRuleCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The chain and the model every subcommand names; runs the body and maps chain failures to exit codes. */
    abstract static class OnChain implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ChainOptions chainOptions = new ChainOptions();

        @Parameters(index = "0", paramLabel = "DIGEST", description = "the model's 0x digest (keccak256 of its file)")
        String digest;

        abstract int execute(ChainClients chain, Keccak256 model);

        ChainAccount account() {
            return ChainAccount.READ_ONLY;
        }

        @Override
        public final Integer call() {
            Keccak256 model;
            try {
                model = Keccak256.parse(digest);
            } catch (IllegalArgumentException e) {
                throw new TensorFiles.UsageError("DIGEST must be a 0x-prefixed 32-byte hex digest, got '" + digest + "'");
            }
            Deployment d = chainOptions.find().orElseThrow(() -> new TensorFiles.UsageError(
                    "no deployment at " + chainOptions.file() + "; run verity up, or give --deployment"));
            try (ChainClients chain = ChainClients.connect(d, account())) {
                return execute(chain, model);
            } catch (ChainException e) {
                spec.commandLine().getErr().println("verity: " + e.getMessage() + " (is the chain running, e.g. under verity up?)");
                return Main.UNREACHABLE;
            }
        }

        int notRegistered(Keccak256 model) {
            spec.commandLine().getErr().println("verity: model " + model + " is not registered in ModelRegistry");
            return Main.CHECK_FAILED;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the model's rule (none if its owner set none).")
    static final class Show extends OnChain {
        @Override
        int execute(ChainClients chain, Keccak256 model) {
            Optional<ComparisonRule> rule = chain.models().rule(model);
            if (rule.isEmpty()) return notRegistered(model);
            spec.commandLine().getOut().println(describe(rule.get()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, footer = {"",
        "The model owner's key comes from VERITY_MODEL_KEY or --key-file (never a flag: ps shows flags)."},
            description = "Set the model's rule, as its owner in ModelRegistry.")
    static final class Set extends OnChain {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Kind kind;

        @Option(names = "--key-file", paramLabel = "FILE", description = "file holding the owner's private key (hex)")
        Path keyFile;

        static final class Kind {
            @Option(names = "--bit-exact", required = true, description = "deterministic engines: equal outputs digests")
            boolean bitExact;

            @Option(names = "--none", required = true,
                    description = "no sound comparison (sampled or proxied language models): left out of committee disputes")
            boolean none;

            @ArgGroup(exclusive = false)
            Bounds tolerance;
        }

        static final class Bounds {
            @Option(names = "--abs", required = true, paramLabel = "X", description = "absolute tolerance, a multiple of 1e-9")
            double abs;

            @Option(names = "--rel", required = true, paramLabel = "Y", description = "relative tolerance, a multiple of 1e-9")
            double rel;
        }

        @Override
        ChainAccount account() {
            String key = System.getenv("VERITY_MODEL_KEY");
            try {
                if (keyFile != null) key = Files.readString(keyFile).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --key-file " + keyFile, e);
            }
            if (key == null || key.isBlank()) throw new TensorFiles.UsageError("no owner key: set VERITY_MODEL_KEY or give --key-file");
            return ChainAccount.fromPrivateKey(key);
        }

        @Override
        int execute(ChainClients chain, Keccak256 model) {
            ComparisonRule rule = kind.bitExact ? ComparisonRule.BIT_EXACT
                    : kind.none ? ComparisonRule.NONE
                    : ComparisonRule.Tolerance.of(kind.tolerance.abs, kind.tolerance.rel); // bad values: usage error
            TxOutcome t = chain.models().setRule(model, rule);
            if (!(t instanceof TxOutcome.Confirmed)) {
                spec.commandLine().getErr().println("verity: ModelRegistry refused the rule: " + t);
                return Main.CHECK_FAILED;
            }
            spec.commandLine().getOut().println(model + ": " + describe(rule));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    private static String describe(ComparisonRule rule) {
        return switch (rule) {
            case ComparisonRule.Tolerance t -> t.describe() + " (" + t.absPpb() + ", " + t.relPpb() + " parts per 1e9)";
            case ComparisonRule.None n -> "none (left out of committee disputes; gateways use their configured tolerance)";
            case ComparisonRule.BitExact b -> b.describe();
        };
    }
}
