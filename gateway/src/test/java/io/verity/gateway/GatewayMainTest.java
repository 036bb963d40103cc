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
}
