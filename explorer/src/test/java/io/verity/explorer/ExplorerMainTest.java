package io.verity.explorer;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.testing.ConfigFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ExplorerMainTest {
    @Test
    void a_config_file_yields_the_config_of_the_same_flags_and_the_environment_overrides_it(@TempDir Path dir) throws Exception {
        String[] flags = {"--home", dir.toString(), "--deployment", "/tmp/d.json", "--host", "0.0.0.0", "--port", "7080",
                "--db", "jdbc:h2:mem:x", "--gateway", "http://gw.example:7070", "--poll-ms", "250", "--rpc", "http://rpc:8545"};
        Path config = ConfigFiles.write(dir.resolve("explorer.conf"), flags);
        ExplorerConfig fromFile = ExplorerMain.parse(new String[] {"--config", config.toString()}, n -> null);
        assertThat(fromFile).isEqualTo(ExplorerMain.parse(flags, n -> null));
        assertThat(fromFile.pollInterval()).isEqualTo(Duration.ofMillis(250));
        ExplorerConfig overridden = ExplorerMain.parse(new String[0], Map.of("VERITY_CONFIG", config.toString(),
                "VERITY_POLL_MS", "900")::get);
        assertThat(overridden.pollInterval()).isEqualTo(Duration.ofMillis(900));
        assertThat(overridden.host()).isEqualTo("0.0.0.0");
    }
}
