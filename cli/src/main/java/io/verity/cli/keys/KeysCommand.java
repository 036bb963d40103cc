package io.verity.cli.keys;

import io.verity.cli.TensorFiles;
import io.verity.cli.Main;
import io.verity.cli.ChainOptions;

import io.verity.chain.ChainAccount;
import io.verity.chain.ChainException;
import io.verity.chain.Deployment;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.keys.KeyStoreFile;
import io.verity.protocol.EvmAddress;
import io.verity.protocol.crypto.NodeKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"Account keys in Ethereum's encrypted JSON keystore format (geth, cast and ethers read them).",
                "Passwords come from --password-file or --password-env, never from the command line."},
        subcommands = {KeysCommand.New.class, KeysCommand.Import.class, KeysCommand.Show.class, KeysCommand.Consent.class})
public final class KeysCommand {

    /** A new keystore file, for {@code verity keys new} and {@code import}. */
    static final class Target {
        @Option(names = "--keystore", required = true, paramLabel = "FILE", description = "the keystore file to create (never overwritten)")
        Path keystore;

        @Mixin
        PasswordOptions password = new PasswordOptions();

        @Option(names = "--scrypt", hidden = true, defaultValue = "STANDARD",
                description = "STANDARD (default) or LIGHT: only for throwaway test keys")
        KeyStoreFile.Scrypt scrypt;

        int write(ChainAccount account) {
            KeyStoreFile.Password pw = password.password("--keystore");
            try {
                EvmAddress address = KeyStoreFile.write(keystore, account, pw, scrypt);
                System.out.println(address);
                System.err.println("wrote " + keystore + " (keep it and its password apart; back both up)");
                return 0;
            } catch (IllegalArgumentException e) {
                throw new TensorFiles.UsageError(e.getMessage());
            }
        }
    }

    @Command(name = "new", mixinStandardHelpOptions = true, description = "Create a key in a new keystore; prints its address.")
    static final class New implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Override
        public Integer call() {
            return target.write(ChainAccount.of(NodeKey.generate(new SecureRandom())));
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Encrypt an existing hex private key into a new keystore; prints its address.")
    static final class Import implements Callable<Integer> {
        @Mixin
        Target target = new Target();

        @Option(names = "--private-key-file", paramLabel = "FILE", description = "file holding the hex private key (its first line)")
        Path keyFile;

        @Option(names = "--private-key-env", paramLabel = "NAME", description = "environment variable holding the hex private key")
        String keyEnv;

        @Override
        public Integer call() throws Exception {
            if ((keyFile == null) == (keyEnv == null)) {
                throw new TensorFiles.UsageError("give exactly one of --private-key-file FILE or --private-key-env NAME");
            }
            String hex;
            if (keyFile != null) {
                hex = Files.readAllLines(keyFile).stream().findFirst().orElse("").strip();
            } else {
                hex = System.getenv(keyEnv);
                if (hex == null) throw new TensorFiles.UsageError("environment variable " + keyEnv + " is not set");
            }
            return target.write(ChainAccount.fromPrivateKey(hex.strip()));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Print a keystore's address (never its key).", "With a password, also check that it opens the keystore."})
    static final class Show implements Callable<Integer> {
        @Option(names = "--keystore", required = true, paramLabel = "FILE")
        Path keystore;

        @Mixin
        PasswordOptions password = new PasswordOptions();

        @Override
        public Integer call() {
            try {
                if (password.given()) {
                    System.out.println(KeyStoreFile.read(keystore, password.password("--keystore")).address());
                } else {
                    System.out.println(KeyStoreFile.address(keystore));
                }
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("verity: " + e.getMessage());
                return Main.CHECK_FAILED;
            }
        }
    }

    @Command(name = "consent", mixinStandardHelpOptions = true,
            description = {"As a node key, consent to being operated by --operator in this deployment's NodeRegistry;",
                    "prints the signature the operator passes to verity node register / rotate-key --consent.",
                    "The node key: --keystore, else $VERITY_NODE_KEY, else HOME/node.key."})
    static final class Consent implements Callable<Integer> {
        @Mixin
        ChainOptions chainOptions = new ChainOptions();

        @Mixin
        NodeKeyOptions nodeKey = new NodeKeyOptions();

        @Option(names = "--operator", required = true, paramLabel = "ADDRESS", description = "the operator's address")
        String operator;

        @Override
        public Integer call() {
            Deployment d = chainOptions.required();
            ChainAccount node = nodeKey.account(chainOptions.homeDir());
            try (ChainClients chain = ChainClients.connect(d, ChainAccount.READ_ONLY)) {
                System.out.println(chain.nodes().consentFor(EvmAddress.parse(operator), node.key()).toHex());
                System.err.println("node " + node.address() + " consents to operator " + EvmAddress.parse(operator)
                        + " in NodeRegistry " + d.nodeRegistry() + " on chain " + d.chainId());
                return 0;
            } catch (ChainException e) {
                System.err.println("verity: " + e.getMessage());
                return Main.UNREACHABLE;
            }
        }
    }
}
