package io.verity.chain.keys;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.verity.chain.ChainAccount;
import io.verity.protocol.EvmAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Wallet;
import org.web3j.crypto.WalletFile;
import org.web3j.crypto.exception.CipherException;
import org.web3j.protocol.ObjectMapperFactory;
import org.web3j.utils.Numeric;

/**
 * An account key in Ethereum's encrypted JSON keystore format (version 3, scrypt + AES-128-CTR: what geth,
 * Foundry's {@code cast wallet} and web3j read and write). The one place Verity reads and writes keystores:
 * {@code verity keys}, the node's and gateway's {@code --keystore} flags and the operator's commands go through it.
 *
 * <p>The file holds the key encrypted under the password and, as every tool writes it, the address in clear (so
 * {@link #address} needs no password); a file without an address still opens with its password. A new file is created readable by its owner only and never overwrites an existing one.
 */
public final class KeyStoreFile {
    private static final ObjectMapper JSON = ObjectMapperFactory.getObjectMapper();

    private KeyStoreFile() {}

    /**
     * How hard the password is stretched. {@link #STANDARD} (scrypt n=2^18, r=8, p=1, as geth; seconds and 256 MiB
     * to open) is for real keys; {@link #LIGHT} (n=2^12, p=6) only for tests and throwaway dev keys.
     */
    public enum Scrypt { STANDARD, LIGHT }

    /**
     * Encrypts {@code account}'s key under {@code password} into a new file at {@code file}.
     *
     * @return the account's address, as recorded in the file
     * @throws IllegalArgumentException when the file exists (a keystore is never overwritten) or cannot be written
     */
    public static EvmAddress write(Path file, ChainAccount account, Password password, Scrypt scrypt) {
        Objects.requireNonNull(file, "file");
        ECKeyPair pair = ECKeyPair.create(Numeric.hexStringToByteArray(account.privateKeyHex()));
        WalletFile wallet;
        try {
            wallet = scrypt == Scrypt.STANDARD ? Wallet.createStandard(password.value, pair) : Wallet.createLight(password.value, pair);
        } catch (CipherException e) {
            throw new IllegalStateException("cannot encrypt the key: " + e.getMessage(), e);
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            byte[] json = JSON.writeValueAsBytes(wallet);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            }
            Files.write(file, json, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException(file + " already exists; a keystore is never overwritten (move it away first)");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return account.address();
    }

    /**
     * Decrypts the key in {@code file}.
     *
     * @throws IllegalArgumentException when the file is missing or not a keystore, the password is wrong, or the
     *     key does not belong to the address the file names
     */
    public static ChainAccount read(Path file, Password password) {
        WalletFile wallet = parse(file);
        ECKeyPair pair;
        try {
            pair = Wallet.decrypt(password.value, wallet);
        } catch (CipherException e) {
            throw new IllegalArgumentException("cannot open " + file + ": " + e.getMessage()
                    + (e.getMessage() != null && e.getMessage().contains("Invalid password") ? " (wrong password)" : ""), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot open " + file + ": " + e.getMessage(), e);
        }
        ChainAccount account = ChainAccount.fromPrivateKey(Numeric.toHexStringWithPrefixZeroPadded(pair.getPrivateKey(), 64));
        if (wallet.getAddress() == null) return account; // optional in the format (the spec's own test vector has none)
        EvmAddress named = address(wallet, file);
        if (!account.address().equals(named)) {
            throw new IllegalArgumentException(file + " names address " + named + " but holds the key of " + account.address());
        }
        return account;
    }

    /** The address the file names, read without the password. */
    public static EvmAddress address(Path file) {
        return address(parse(file), file);
    }

    private static EvmAddress address(WalletFile wallet, Path file) {
        if (wallet.getAddress() == null) {
            throw new IllegalArgumentException(file + " does not name its address; only the password reveals it");
        }
        try {
            return EvmAddress.parse(Numeric.prependHexPrefix(wallet.getAddress()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " is not a keystore: address " + e.getMessage(), e);
        }
    }

    private static WalletFile parse(Path file) {
        try {
            WalletFile wallet = JSON.readValue(Files.readAllBytes(file), WalletFile.class);
            if (wallet.getCrypto() == null || wallet.getVersion() != 3) {
                throw new IllegalArgumentException(file + " is not a version 3 Ethereum keystore");
            }
            return wallet;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no keystore at " + file, e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not an Ethereum keystore (JSON): " + e.getMessage(), e);
        }
    }

    /**
     * A keystore password, from a file or an environment variable, never from a command line (which every user
     * of the machine can read with {@code ps}). {@link #toString()} does not show it.
     */
    public static final class Password {
        private final String value;

        private Password(String value) {
            this.value = value;
        }

        /** The file's first line, without its line ending (as geth's {@code --password} file). */
        public static Password fromFile(Path file) {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                int eol = text.indexOf('\n');
                String line = eol < 0 ? text : text.substring(0, eol);
                return of(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line, "password file " + file);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the password file " + file + ": " + e.getMessage(), e);
            }
        }

        /** The value of environment variable {@code name}, as {@code env} reads it (null when unset). */
        public static Password fromEnv(String name, UnaryOperator<String> env) {
            String v = env.apply(name);
            if (v == null) throw new IllegalArgumentException("environment variable " + name + " (the keystore password) is not set");
            return of(v, "environment variable " + name);
        }

        private static Password of(String value, String where) {
            if (value.isEmpty()) throw new IllegalArgumentException(where + " holds an empty password");
            return new Password(value);
        }

        @Override
        public String toString() {
            return "Password(<hidden>)";
        }
    }
}
