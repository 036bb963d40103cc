package io.verity.cli.keys;

import io.verity.cli.TensorFiles;

import io.verity.chain.keys.KeyStoreFile;
import io.verity.chain.keys.KeyStoreFlags;
import picocli.CommandLine.Option;

/**
 * A keystore's password: {@code --password-file FILE} or {@code --password-env NAME}, never a flag's value (every user
 * of the machine sees command lines in {@code ps}). The same flag names as the servers' ({@link KeyStoreFlags}).
 */
public final class PasswordOptions {
    @Option(names = KeyStoreFlags.PASSWORD_FILE, paramLabel = "FILE", description = "the keystore password: this file's first line")
    java.nio.file.Path passwordFile;

    @Option(names = KeyStoreFlags.PASSWORD_ENV, paramLabel = "NAME", description = "the keystore password: this environment variable")
    String passwordEnv;

    public boolean given() {
        return passwordFile != null || passwordEnv != null;
    }

    /** @throws TensorFiles.UsageError unless exactly one source was given, or when it cannot be read */
    public KeyStoreFile.Password password(String forWhat) {
        if ((passwordFile == null) == (passwordEnv == null)) {
            throw new TensorFiles.UsageError(forWhat + " needs exactly one of --password-file FILE or --password-env NAME");
        }
        try {
            return passwordFile != null ? KeyStoreFile.Password.fromFile(passwordFile)
                    : KeyStoreFile.Password.fromEnv(passwordEnv, System::getenv);
        } catch (IllegalArgumentException e) {
            throw new TensorFiles.UsageError(e.getMessage());
        }
    }
}
