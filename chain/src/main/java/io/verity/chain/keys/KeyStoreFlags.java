package io.verity.chain.keys;

import io.verity.chain.ChainAccount;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The keystore flags a server process takes ({@code NodeMain}, {@code GatewayMain}; {@code verity node start} and
 * {@code verity gateway start} forward theirs): {@code KEYSTORE_FLAG FILE} with {@code --password-file FILE} or
 * {@code --password-env NAME}. One parser, so every process names and checks them alike.
 */
public final class KeyStoreFlags {
    public static final String PASSWORD_FILE = "--password-file";
    public static final String PASSWORD_ENV = "--password-env";

    private final String keystoreFlag;
    private Path keystore;
    private Path passwordFile;
    private String passwordEnv;

    /** @param keystoreFlag the flag naming the keystore, e.g. {@code --keystore} */
    public KeyStoreFlags(String keystoreFlag) {
        this.keystoreFlag = keystoreFlag;
    }

    /** For a usage line. */
    public String usage() {
        return "[" + keystoreFlag + " FILE (" + PASSWORD_FILE + " FILE | " + PASSWORD_ENV + " NAME)]";
    }

    /** Takes {@code flag} when it is one of these; false otherwise. */
    public boolean accept(String flag, String value) {
        if (flag.equals(keystoreFlag)) keystore = Path.of(value);
        else if (flag.equals(PASSWORD_FILE)) passwordFile = Path.of(value);
        else if (flag.equals(PASSWORD_ENV)) passwordEnv = value;
        else return false;
        return true;
    }

    /**
     * The account in the keystore, decrypted; empty when no keystore was given.
     *
     * @throws IllegalArgumentException naming the flag: a password without a keystore, none or two passwords, a
     *     wrong password, an unreadable file
     */
    public Optional<ChainAccount> account(UnaryOperator<String> env) {
        if (keystore == null) {
            if (passwordFile != null || passwordEnv != null) {
                throw new IllegalArgumentException(PASSWORD_FILE + "/" + PASSWORD_ENV + " need " + keystoreFlag);
            }
            return Optional.empty();
        }
        if ((passwordFile == null) == (passwordEnv == null)) {
            throw new IllegalArgumentException(keystoreFlag + " needs exactly one of " + PASSWORD_FILE + " FILE or "
                    + PASSWORD_ENV + " NAME (a password is never a flag's value: ps shows flags)");
        }
        try {
            KeyStoreFile.Password password = passwordFile != null ? KeyStoreFile.Password.fromFile(passwordFile)
                    : KeyStoreFile.Password.fromEnv(passwordEnv, env);
            return Optional.of(KeyStoreFile.read(keystore, password));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keystoreFlag + ": " + e.getMessage(), e);
        }
    }
}
