package io.verity.cli.keys;

import io.verity.cli.TensorFiles;
import io.verity.cli.ChainOptions;

import io.verity.chain.ChainAccount;
import io.verity.chain.Deployment;
import io.verity.chain.keys.KeyStoreFile;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The operator's (cold) key and the deployment, for the {@code verity node} commands that manage a node key:
 * {@code --operator-keystore FILE} with {@code --password-file} or {@code --password-env}.
 */
public final class OperatorOptions {
    @Mixin
    ChainOptions chainOptions = new ChainOptions();

    @Mixin
    PasswordOptions password = new PasswordOptions();

    @Option(names = "--operator-keystore", required = true, paramLabel = "FILE", description = "the operator's keystore")
    Path keystore;

    /** {@code action} as the operator on the deployment; the exit code of {@link OperatorCommands#onChain}. */
    int run(java.util.function.BiConsumer<ChainAccount, io.verity.chain.contracts.ChainClients> action) {
        Deployment d = chainOptions.required();
        ChainAccount operator = open(keystore, password);
        return OperatorCommands.onChain(d, operator, chain -> action.accept(operator, chain));
    }

    /** The operator account in {@code keystore}; always from a keystore, never a plain key file. */
    public static ChainAccount open(Path keystore, PasswordOptions password) {
        try {
            return KeyStoreFile.read(keystore, password.password("--operator-keystore"));
        } catch (IllegalArgumentException e) {
            throw new TensorFiles.UsageError("--operator-keystore: " + e.getMessage());
        }
    }
}
