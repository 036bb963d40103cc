package io.verity.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.testing.ConfigFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GatewayMainTest {
    @Test
    void a_config_file_yields_the_config_of_the_same_flags(@TempDir Path dir) throws Exception {
        Path keyFile = Files.writeString(dir.resolve("client.key"), "0xabc\n");
        String[] flags = {"--home", dir.toString(), "--deployment", "/tmp/d.json", "--host", "0.0.0.0", "--port", "7443",
                "--client-key-file", keyFile.toString(), "--policy", "redundant:2", "--tolerance", "m=0.001,0",
                "--tolerance", "0.01,0.01", "--refresh-ms", "500", "--max-body-bytes", "4096"};
        Path config = ConfigFiles.write(dir.resolve("gateway.conf"), flags);
        GatewayConfig fromFile = GatewayMain.parse(new String[] {"--config", config.toString()}, n -> null);
        assertThat(fromFile).isEqualTo(GatewayMain.parse(flags, n -> null));
        assertThat(fromFile.host()).isEqualTo("0.0.0.0");
        // the command line, then VERITY_<FLAG>, then the file
        GatewayConfig overridden = GatewayMain.parse(new String[] {"--config", config.toString(), "--port", "1"},
                Map.of("VERITY_PORT", "2", "VERITY_HOST", "10.1.2.3")::get);
        assertThat(overridden.port()).isEqualTo(1);
        assertThat(overridden.host()).isEqualTo("10.1.2.3");
    }

    @Test
    void the_config_file_never_holds_the_client_key(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("gateway.conf"),
                "home = /tmp/g\nclient-key = 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n");
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--config", config.toString()}, n -> null))
                .hasMessageStartingWith(config + ":2: client-key: a config file never holds a key")
                .hasMessageNotContaining("ac0974");
    }

    @Test
    void the_tx_flags_are_the_nodes_parser_from_the_command_line_the_environment_or_the_file(@TempDir Path dir) throws Exception {
        String[] base = {"--home", dir.toString(), "--deployment", "/tmp/d.json"};
        assertThat(GatewayMain.parse(base, n -> null).tx()).isEqualTo(io.verity.chain.rpc.TxPolicy.defaults());
        var expected = io.verity.chain.rpc.TxPolicy.defaults().withConfirmations(3).withFeeCaps(new java.math.BigInteger(
                "100000000000"), new java.math.BigInteger("2000000000")).withReplaceAfter(java.time.Duration.ofSeconds(60))
                .withReceiptTimeout(java.time.Duration.ofSeconds(90));
        String[] flags = {"--home", dir.toString(), "--deployment", "/tmp/d.json", "--tx-confirmations", "3",
            "--tx-max-fee-wei", "100000000000", "--tx-priority-fee-wei", "2000000000", "--tx-replace-after-ms", "60000",
            "--tx-receipt-timeout-ms", "90000"};
        assertThat(GatewayMain.parse(flags, n -> null).tx()).isEqualTo(expected);
        Path config = ConfigFiles.write(dir.resolve("gateway.conf"), flags);
        assertThat(GatewayMain.parse(new String[] {"--config", config.toString()}, n -> null).tx()).isEqualTo(expected);
        assertThat(GatewayMain.parse(base, Map.of("VERITY_TX_CONFIRMATIONS", "5")::get).tx().confirmations()).isEqualTo(5);
        assertThatThrownBy(() -> GatewayMain.parse(new String[] {"--home", dir.toString(), "--deployment", "/tmp/d.json",
            "--tx-max-fee-wei", "lots"}, n -> null)).hasMessage("--tx-max-fee-wei: expected a number, got 'lots'");
    }
}
