package io.verity.cli.keys;

import io.verity.cli.TensorFiles;

import io.verity.chain.ChainAccount;
import io.verity.chain.keys.KeyStoreFile;
import io.verity.node.serve.NodeIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The node's own (hot) key for commands run beside a node: {@code --keystore FILE} with its password, else
 * {@code $VERITY_NODE_KEY}, else {@code HOME/node.key} (what {@code verity node start} uses).
 */
public final class NodeKeyOptions {
    @Option(names = "--keystore", paramLabel = "FILE", description = "the node key's keystore; default $VERITY_NODE_KEY, else HOME/node.key")
    Path keystore;

    @Mixin
    PasswordOptions password = new PasswordOptions();

    /** True when {@code --keystore} was given. */
    public boolean keystoreGiven() {
        return keystore != null;
    }

    /** The password options, which an operator's keystore shares on commands that take one. */
    public PasswordOptions password() {
        return password;
    }

    /** The node key (see the class comment). */
    public ChainAccount account(Path home) {
        if (keystore != null) {
            try {
                return KeyStoreFile.read(keystore, password.password("--keystore"));
            } catch (IllegalArgumentException e) {
                throw new TensorFiles.UsageError("--keystore: " + e.getMessage());
            }
        }
        if (password.given()) throw new TensorFiles.UsageError("--password-file/--password-env need --keystore");
        String key = System.getenv(NodeIdentity.ENV);
        if (key == null || key.isBlank()) {
            Path file = home.resolve(NodeIdentity.FILE);
            if (!Files.exists(file)) {
                throw new TensorFiles.UsageError("no node key: give --keystore, set " + NodeIdentity.ENV
                        + " or start the node once to create " + file);
            }
            try {
                key = Files.readString(file).strip();
            } catch (IOException e) {
                throw new TensorFiles.UsageError("cannot read " + file + ": " + e.getMessage());
            }
        }
        return ChainAccount.fromPrivateKey(key);
    }
}
