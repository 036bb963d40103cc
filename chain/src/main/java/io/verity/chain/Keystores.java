package io.verity.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.web3j.crypto.exception.CipherException;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;

/**
 * Reads an account from Ethereum's encrypted JSON keystore format (what geth, Foundry's cast and web3j write).
 * The one place that decrypts a keystore for the chain commands; `verity keys` manages the files.
 */
public final class Keystores {
    private Keystores() {}

    /**
     * @throws IllegalArgumentException when the file is missing, not a keystore, or the password does not open it
     * @throws UncheckedIOException when the file cannot be read
     */
    public static ChainAccount load(Path file, String password) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("keystore " + file + " does not exist");
        Credentials c;
        try {
            c = WalletUtils.loadCredentials(password, file.toFile());
        } catch (CipherException e) {
            throw new IllegalArgumentException("cannot open keystore " + file + ": wrong password? (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
                throw new IllegalArgumentException("keystore " + file + " is not an Ethereum JSON keystore: " + e.getMessage(), e);
            }
            throw new UncheckedIOException("cannot read keystore " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("keystore " + file + " is not an Ethereum JSON keystore: " + e.getMessage(), e);
        }
        BigInteger key = c.getEcKeyPair().getPrivateKey();
        return ChainAccount.fromPrivateKey(String.format("%064x", key));
    }
}
