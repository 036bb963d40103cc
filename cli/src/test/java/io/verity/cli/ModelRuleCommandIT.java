package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.chain.ChainConnection;
import io.verity.chain.contracts.ComparisonRule;
import io.verity.chain.contracts.ModelRegistryClient;
import io.verity.chain.fixture.LocalChain;
import io.verity.protocol.Keccak256;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code verity model rule set|show} against ModelRegistry on anvil, with its exit codes. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ModelRuleCommandIT {
    @RegisterExtension static final LocalChain devnet = LocalChain.perTest();
    static final Keccak256 MODEL = Keccak256.hash("rule model".getBytes());
    @TempDir Path dir;
    final StringWriter out = new StringWriter(), err = new StringWriter();

    int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void the_owner_sets_each_kind_others_are_refused_and_show_prints_it() throws Exception {
        try (ChainConnection owner = devnet.connect(1)) {
            new ModelRegistryClient(owner, devnet.deployment().modelRegistry()).register(MODEL, "u", "m", "1").confirmed();
        }
        String deployment = devnet.deploymentFile().toString();
        Path ownerKey = Files.writeString(dir.resolve("owner.key"), devnet.account(1).privateKeyHex());
        Path strangerKey = Files.writeString(dir.resolve("stranger.key"), devnet.account(2).privateKeyHex());

        assertThat(run("model", "rule", "show", MODEL.toHex(), "--deployment", deployment)).isZero();
        assertThat(out.toString()).startsWith("none");
        assertThat(run("model", "rule", "set", MODEL.toHex(), "--abs", "1e-5", "--rel", "0.001", "--key-file",
                ownerKey.toString(), "--deployment", deployment)).as("%s", err).isZero();
        try (ChainConnection reader = devnet.connect(0)) {
            assertThat(new ModelRegistryClient(reader, devnet.deployment().modelRegistry()).rule(MODEL))
                    .contains(new ComparisonRule.Tolerance(10_000, 1_000_000));
        }
        assertThat(run("model", "rule", "set", MODEL.toHex(), "--bit-exact", "--key-file", strangerKey.toString(),
                "--deployment", deployment)).isEqualTo(Main.CHECK_FAILED);
        assertThat(err.toString()).contains("NotModelOwner");
        assertThat(run("model", "rule", "set", MODEL.toHex(), "--abs", "1e-12", "--rel", "0", "--key-file",
                ownerKey.toString(), "--deployment", deployment)).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("abs tolerance must be a multiple of 1e-9");
        assertThat(run("model", "rule", "set", MODEL.toHex(), "--bit-exact", "--none", "--key-file", ownerKey.toString(),
                "--deployment", deployment)).isEqualTo(Main.USAGE);

        out.getBuffer().setLength(0);
        assertThat(run("model", "rule", "show", MODEL.toHex(), "--deployment", deployment)).isZero();
        assertThat(out.toString()).isEqualTo("tolerance:abs=1.0E-5,rel=0.001 (10000, 1000000 parts per 1e9)\n");
        assertThat(run("model", "rule", "show", Keccak256.hash(new byte[] {1}).toHex(), "--deployment", deployment))
                .isEqualTo(Main.CHECK_FAILED);
        assertThat(err.toString()).contains("is not registered");
    }
}
