package io.verity.cli.keys;

import io.verity.cli.CliRun;
import io.verity.cli.Main;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.ChainAccount;
import io.verity.chain.contracts.ChainClients;
import io.verity.chain.fixture.LocalChain;
import io.verity.chain.keys.KeyStoreFile;
import io.verity.protocol.EvmAddress;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verity keys} and the operator's node-key commands against the shared anvil: keystores are created, shown
 * and imported; a node key consents, the operator registers it, rotates it and revokes it, all from keystores.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class KeysCommandIT {
    @RegisterExtension static final LocalChain devnet = LocalChain.perTest();
    @TempDir Path dir;

    Path password() throws Exception {
        return Files.writeString(dir.resolve("pw"), "s3cret\n");
    }

    /** Dev account {@code i}'s key imported into a light keystore. */
    Path imported(int i) throws Exception {
        Path hex = Files.writeString(dir.resolve("key-" + i), devnet.account(i).privateKeyHex() + "\n");
        Path file = dir.resolve("account-" + i + ".json");
        CliRun r = run("keys", "import", "--keystore", file.toString(), "--password-file", password().toString(),
                "--private-key-file", hex.toString(), "--scrypt", "LIGHT");
        assertThat(r.exit()).as(r.err()).isEqualTo(0);
        assertThat(r.out().strip()).isEqualTo(devnet.account(i).address().toString());
        return file;
    }

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void keys_new_show_and_import_keep_the_key_encrypted_and_print_only_the_address() throws Exception {
        Path file = dir.resolve("new.json");
        CliRun created = run("keys", "new", "--keystore", file.toString(), "--password-file", password().toString(), "--scrypt", "LIGHT");
        assertThat(created.exit()).as(created.err()).isEqualTo(0);
        EvmAddress address = EvmAddress.parse(created.out().strip());

        assertThat(run("keys", "show", "--keystore", file.toString()).out().strip()).isEqualTo(address.toString());
        assertThat(run("keys", "show", "--keystore", file.toString(), "--password-file", password().toString()).out().strip())
                .isEqualTo(address.toString());
        Path wrong = Files.writeString(dir.resolve("wrong"), "nope");
        CliRun refused = run("keys", "show", "--keystore", file.toString(), "--password-file", wrong.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("wrong password");

        Path imported = imported(3);
        String hex = devnet.account(3).privateKeyHex().substring(2);
        assertThat(Files.readString(imported)).doesNotContain(hex);
        CliRun again = run("keys", "import", "--keystore", imported.toString(), "--password-file", password().toString(),
                "--private-key-file", dir.resolve("key-3").toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("already exists; a keystore is never overwritten");
        CliRun noPassword = run("keys", "new", "--keystore", dir.resolve("x.json").toString());
        assertThat(noPassword.exit()).isEqualTo(2);
        assertThat(noPassword.err()).contains("needs exactly one of --password-file FILE or --password-env NAME");
    }

    @Test
    void the_operator_registers_rotates_and_revokes_a_node_key_from_keystores() throws Exception {
        String deployment = devnet.deploymentFile().toString();
        Path operator = imported(5), node = imported(6), next = imported(7);
        EvmAddress op = devnet.account(5).address();
        String pw = password().toString();

        CliRun consent = run("keys", "consent", "--deployment", deployment, "--keystore", node.toString(), "--password-file", pw,
                "--operator", op.toString());
        assertThat(consent.exit()).as(consent.err()).isEqualTo(0);
        CliRun registered = run("node", "register", "--deployment", deployment, "--home", dir.resolve("home").toString(),
                "--operator-keystore", operator.toString(), "--password-file", pw, "--node", devnet.account(6).address().toString(),
                "--consent", consent.out().strip(), "--endpoint", "http://127.0.0.1:7071");
        assertThat(registered.exit()).as(registered.err()).isEqualTo(0);
        assertThat(registered.out()).contains("REGISTERED by operator " + op);

        try (ChainClients chain = ChainClients.connect(devnet.deployment(), ChainAccount.READ_ONLY)) {
            assertThat(chain.nodes().operatorOf(devnet.account(6).address())).contains(op);
            assertThat(chain.nodes().isStaked(devnet.account(6).address())).isTrue();

            String nextConsent = run("keys", "consent", "--deployment", deployment, "--keystore", next.toString(),
                    "--password-file", pw, "--operator", op.toString()).out().strip();
            CliRun rotated = run("node", "rotate-key", "--deployment", deployment, "--operator-keystore", operator.toString(),
                    "--password-file", pw, "--new-node", devnet.account(7).address().toString(), "--consent", nextConsent);
            assertThat(rotated.exit()).as(rotated.err()).isEqualTo(0);
            assertThat(chain.nodes().nodeOf(op)).contains(devnet.account(7).address());
            assertThat(chain.nodes().isStaked(devnet.account(6).address())).isFalse();

            CliRun revoked = run("node", "revoke-key", "--deployment", deployment, "--operator-keystore", operator.toString(),
                    "--password-file", pw);
            assertThat(revoked.exit()).as(revoked.err()).isEqualTo(0);
            assertThat(chain.nodes().nodeOf(op)).isEmpty();
            assertThat(chain.nodes().isStaked(devnet.account(7).address())).isFalse();

            // revoking again is refused by the registry, exit 1
            CliRun twice = run("node", "revoke-key", "--deployment", deployment, "--operator-keystore", operator.toString(),
                    "--password-file", pw);
            assertThat(twice.exit()).isEqualTo(1);
            assertThat(twice.err()).contains("NoNodeKey");
            assertThat(run("chain", "status", "--deployment", deployment).out())
                    .contains(devnet.account(6).address() + "  stake ").contains("revoked  operator " + op);

            // the stake stayed the operator's: it unbonds and withdraws it to itself
            BigInteger stake = chain.nodes().operatorStake(op);
            assertThat(stake).isPositive();
            CliRun unbond = run("node", "unbond", "--deployment", deployment, "--operator-keystore", operator.toString(),
                    "--password-file", pw, "--wei", stake.toString());
            assertThat(unbond.exit()).as(unbond.err()).isEqualTo(0);
            CliRun early = run("node", "withdraw", "--deployment", deployment, "--operator-keystore", operator.toString(),
                    "--password-file", pw);
            assertThat(early.exit()).isEqualTo(1);
            assertThat(early.err()).contains("UnbondingNotReady");
            devnet.advanceTime(chain.nodes().unbondingDelay().plusSeconds(1));
            CliRun withdrawn = run("node", "withdraw", "--deployment", deployment, "--operator-keystore", operator.toString(),
                    "--password-file", pw);
            assertThat(withdrawn.exit()).as(withdrawn.err()).isEqualTo(0);
            assertThat(withdrawn.out()).contains("withdrew " + stake + " wei");
        }
        assertThat(KeyStoreFile.address(operator)).isEqualTo(op);
    }
}
