package io.verity.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FlagSourcesTest {
    static final FlagSources SOURCES = FlagSources.server(List.of("--price-wei", "--tolerance", "--client-key-file",
            "--api-key-env"), List.of("--tolerance"));
    static final UnaryOperator<String> NO_ENV = name -> null;

    @TempDir
    Path dir;

    Path config(String text) throws IOException {
        return Files.writeString(dir.resolve("verity.conf"), text);
    }

    @Test
    void command_line_beats_environment_beats_config_file_beats_defaults() throws IOException {
        Path file = config("""
                # a node
                port = 7000
                host = 0.0.0.0
                price-wei = 5
                  # indented comment
                rpc = http://rpc.example:8545

                """);
        Map<String, String> env = Map.of("VERITY_PRICE_WEI", "6", "VERITY_HOST", "10.0.0.1");
        String[] out = SOURCES.resolve(new String[] {"--config", file.toString(), "--host", "192.168.1.2"}, env::get,
                List.of("--port", "1", "--home", "/h", "--rpc", "http://default"));
        assertThat(pairs(out)).containsExactlyInAnyOrderEntriesOf(Map.of("--home", "/h", "--port", "7000",
                "--price-wei", "6", "--rpc", "http://rpc.example:8545", "--host", "192.168.1.2"));
    }

    @Test
    void repeatable_flags_take_every_line_and_the_command_line_replaces_them_all() throws IOException {
        Path file = config("tolerance = a=0.1,0\ntolerance = b=0,0.01\n");
        assertThat(SOURCES.resolve(new String[] {"--config", file.toString()}, NO_ENV))
                .containsExactly("--tolerance", "a=0.1,0", "--tolerance", "b=0,0.01");
        assertThat(SOURCES.resolve(new String[] {"--config", file.toString(), "--tolerance", "c=1,1"}, NO_ENV))
                .containsExactly("--tolerance", "c=1,1");
    }

    @Test
    void the_config_file_may_come_from_VERITY_CONFIG_and_home_never_from_the_environment() throws IOException {
        Path file = config("port = 9\n");
        Map<String, String> env = Map.of("VERITY_CONFIG", file.toString(), "VERITY_HOME", "/somewhere");
        assertThat(SOURCES.resolve(new String[0], env::get)).containsExactly("--port", "9");
        assertThat(SOURCES.resolve(new String[] {"--config", ""}, env::get)).isEmpty(); // '': none, not even VERITY_CONFIG
        assertThat(FlagSources.envName("--price-wei")).isEqualTo("VERITY_PRICE_WEI");
    }

    @Test
    void unknown_flags_on_the_command_line_are_left_for_the_main_to_reject() {
        assertThat(SOURCES.resolve(new String[] {"--bogus", "1", "--port"}, NO_ENV)).containsExactly("--bogus", "1", "--port");
    }

    @Test
    void bad_lines_name_file_line_and_key() throws IOException {
        assertError("port = 1\nbogus = 2\n", ":2: bogus: unknown key");
        assertError("# c\nport = 1\nport = 2\n", ":3: port: given twice (first on line 2)");
        assertError("port 1\n", ":1: expected 'key = value'");
        assertError("--port = 1\n", ":1: expected 'key = value'");
        assertError("port =\n", ":1: port: no value");
        assertError("config = other.conf\n", ":1: config: unknown key");
    }

    @Test
    void a_config_file_never_holds_a_key() throws IOException {
        String hexKey = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        assertError("client-key = 0x" + hexKey + "\n", ":1: client-key: a config file never holds a key");
        assertError("client-key-file = " + hexKey + "\n", ":1: client-key-file: the value looks like a key itself");
        assertError("api-key-env = sk-abcdefghijklmnopqrstuvwxyz\n", ":1: api-key-env: expects the name of an environment variable");
        Path file = config("client-key-file = /etc/verity/client.key\napi-key-env = OPENAI_KEY\n");
        assertThat(SOURCES.resolve(new String[] {"--config", file.toString()}, NO_ENV))
                .containsExactly("--client-key-file", "/etc/verity/client.key", "--api-key-env", "OPENAI_KEY");
        // the message never repeats the key
        assertThatThrownBy(() -> SOURCES.resolve(new String[] {"--config", config("x" + hexKey + "\n").toString()}, NO_ENV))
                .message().doesNotContain(hexKey);
    }

    @Test
    void unreadable_oversized_or_non_utf8_files_and_a_second_config_are_errors() throws IOException {
        assertThatThrownBy(() -> SOURCES.resolve(new String[] {"--config", dir.resolve("missing").toString()}, NO_ENV))
                .hasMessageStartingWith("--config " + dir.resolve("missing") + ": cannot read");
        Path big = Files.writeString(dir.resolve("big"), "# " + "x".repeat(FlagSources.MAX_CONFIG_BYTES) + "\n");
        assertThatThrownBy(() -> SOURCES.resolve(new String[] {"--config", big.toString()}, NO_ENV))
                .hasMessageContaining("larger than " + FlagSources.MAX_CONFIG_BYTES + " bytes");
        Path latin1 = Files.write(dir.resolve("latin1"), new byte[] {'#', (byte) 0xE9, '\n'});
        assertThatThrownBy(() -> SOURCES.resolve(new String[] {"--config", latin1.toString()}, NO_ENV))
                .hasMessageContaining("not valid UTF-8");
        assertThatThrownBy(() -> SOURCES.resolve(new String[] {"--config", "a", "--config", "b"}, NO_ENV))
                .hasMessage("--config given twice");
    }

    private void assertError(String text, String expected) throws IOException {
        Path file = config(text);
        assertThatThrownBy(() -> SOURCES.resolve(new String[] {"--config", file.toString()}, NO_ENV))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(file + expected);
    }

    private static Map<String, String> pairs(String[] args) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) m.put(args[i], args[i + 1]);
        return m;
    }
}
