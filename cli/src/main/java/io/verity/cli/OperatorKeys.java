package io.verity.cli;

import io.verity.chain.ChainAccount;
import io.verity.chain.keys.KeyStoreFile;
import java.nio.file.Path;

/** The operator's (cold) key for the {@code verity node} commands that manage stake and node keys. */
final class OperatorKeys {
    private OperatorKeys() {}

    /** The operator account in {@code keystore}; always from a keystore, never a plain key file. */
    static ChainAccount open(Path keystore, PasswordOptions password) {
        try {
            return KeyStoreFile.read(keystore, password.password("--operator-keystore"));
        } catch (IllegalArgumentException e) {
            throw new TensorFiles.UsageError("--operator-keystore: " + e.getMessage());
        }
    }
}
