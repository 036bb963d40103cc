package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.Deployment;
import io.verity.chain.fixture.LocalChain;
import io.verity.protocol.Hex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.WalletUtils;

/** {@code verity chain deploy}: deploy with a keystore, check on a second run, and the errors a user meets. */
@DisplayNameGeneration(ReplaceUnderscores.class)
class ChainDeployIT {
    @RegisterExtension static final LocalChain chain = LocalChain.perClass();
    @TempDir Path dir;

    /** An encrypted JSON keystore of {@code privateKey}, password "correct horse" in a file next to it. */
    private Path keystore(byte[] privateKey) throws Exception {
        Path ks = Files.createDirectories(dir.resolve("keys-" + System.nanoTime()));
        String name = WalletUtils.generateWalletFile("correct horse", ECKeyPair.create(privateKey), ks.toFile(), false);
        Files.writeString(ks.resolve("password"), "correct horse\n");
        return ks.resolve(name);
    }

    private List<String> deploy(Path keystore, Path file, String... more) {
        List<String> args = new ArrayList<>(List.of("chain", "deploy", "--rpc", chain.rpcUrl(), "--keystore", keystore.toString(),
                "--password-file", keystore.resolveSibling("password").toString(), "--deployment", file.toString()));
        args.addAll(List.of(more));
        return args;
    }

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void deploys_with_a_keystore_and_a_second_run_checks_instead_of_deploying_again() throws Exception {
        Path ks = keystore(Hex.decode(chain.account(3).privateKeyHex()));
        Path file = dir.resolve("deployment.json");
        String owner = chain.account(9).address().toString();

        CliRun first = run(deploy(ks, file, "--owner", owner, "--dispute-window", "3600").toArray(String[]::new));
        assertThat(first.exit()).as(first.err()).isEqualTo(0);
        assertThat(first.out()).contains("deploying to chain " + chain.chainId(), "wrote " + file, "the deployment is sound",
                "(dispute window 3600 s)", "  ok       DisputeGame.disputeWindow = 3600");
        Deployment d = Deployment.read(file);
        assertThat(d.chainId()).isEqualTo(chain.chainId());
        assertThat(d.rpcUrl()).isEqualTo(chain.rpcUrl());

        CliRun again = run(deploy(ks, file, "--owner", owner, "--dispute-window", "3600").toArray(String[]::new));
        assertThat(again.exit()).as(again.err()).isEqualTo(0);
        assertThat(again.out()).startsWith("checking the deployment in " + file).doesNotContain("deploying")
                .contains("  ok       NodeRegistry.owner = " + chain.account(9).address(), "the deployment is sound");
        assertThat(Deployment.read(file)).isEqualTo(d);

        CliRun otherSettings = run(deploy(ks, file, "--owner", owner, "--min-stake", "5").toArray(String[]::new));
        assertThat(otherSettings.exit()).isEqualTo(Main.CHECK_FAILED);
        assertThat(otherSettings.out()).contains("  PROBLEM  NodeRegistry.minStake is 1000000000000000000, expected 5",
                "  PROBLEM  DisputeGame.disputeWindow is 3600, expected 86400", "2 problem(s) found");
    }

    @Test
    void the_key_comes_from_exactly_one_place_and_never_the_command_line() throws Exception {
        Path ks = keystore(Hex.decode(chain.account(3).privateKeyHex()));
        String file = dir.resolve("d.json").toString();
        CliRun none = run("chain", "deploy", "--rpc", chain.rpcUrl(), "--deployment", file);
        assertThat(none.exit()).isEqualTo(Main.USAGE);
        assertThat(none.err()).contains("give the deployer's key with exactly one of --keystore FILE or --key-env NAME");

        CliRun noPassword = run("chain", "deploy", "--rpc", chain.rpcUrl(), "--deployment", file, "--keystore", ks.toString());
        assertThat(noPassword.err()).contains("--keystore needs exactly one of --password-file FILE or --password-env NAME");

        CliRun unsetEnv = run("chain", "deploy", "--rpc", chain.rpcUrl(), "--deployment", file, "--key-env", "VERITY_TEST_SURELY_UNSET_KEY");
        assertThat(unsetEnv.exit()).isEqualTo(Main.USAGE);
        assertThat(unsetEnv.err()).contains("--key-env: environment variable VERITY_TEST_SURELY_UNSET_KEY is not set");

        CliRun noWindow = run("chain", "deploy", "--rpc", chain.rpcUrl(), "--deployment", file, "--dispute-window", "0");
        assertThat(noWindow.exit()).isEqualTo(Main.USAGE);
        assertThat(noWindow.err()).contains("--dispute-window must be at least 1 second, got 0");

        Files.writeString(ks.resolveSibling("password"), "wrong\n");
        CliRun wrongPassword = run(deploy(ks, dir.resolve("d.json")).toArray(String[]::new));
        assertThat(wrongPassword.exit()).isEqualTo(Main.USAGE);
        assertThat(wrongPassword.err()).contains("--keystore: cannot open " + ks + ": ").contains("(wrong password)");
        assertThat(dir.resolve("d.json")).doesNotExist();
    }

    @Test
    void an_unfunded_deployer_another_chain_and_an_unreachable_endpoint_are_named() throws Exception {
        ECKeyPair fresh = Keys.createEcKeyPair();
        Path poor = keystore(Hex.decode(String.format("%064x", fresh.getPrivateKey())));
        Path file = dir.resolve("d.json");
        CliRun unfunded = run(deploy(poor, file).toArray(String[]::new));
        assertThat(unfunded.exit()).isEqualTo(Main.CHECK_FAILED);
        assertThat(unfunded.err()).contains("has no funds on chain " + chain.chainId());

        Path rich = keystore(Hex.decode(chain.account(3).privateKeyHex()));
        CliRun otherChain = run(deploy(rich, file, "--chain-id", "1").toArray(String[]::new));
        assertThat(otherChain.exit()).isEqualTo(Main.CHECK_FAILED);
        assertThat(otherChain.err()).contains(chain.rpcUrl() + " is chain " + chain.chainId() + ", not the --chain-id 1 asked for");

        List<String> args = deploy(rich, file);
        args.set(args.indexOf("--rpc") + 1, "http://127.0.0.1:9");
        CliRun down = run(args.toArray(String[]::new));
        assertThat(down.exit()).isEqualTo(Main.UNREACHABLE);
        assertThat(down.err()).contains("cannot reach the chain at http://127.0.0.1:9");
        assertThat(file).doesNotExist();
    }
}
