package io.verity.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.verity.protocol.EvmAddress;
import java.net.URI;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReadyLineTest {
    static final EvmAddress NODE = EvmAddress.parse("0x" + "ab".repeat(20));

    @Test
    void prints_what_the_mains_always_printed_and_parses_it_back() {
        ReadyLine node = ReadyLine.of(URI.create("http://127.0.0.1:8080"), NODE);
        assertThat(node.toString()).isEqualTo("READY http://127.0.0.1:8080 " + NODE);
        assertThat(ReadyLine.parse(node.toString())).contains(node);
        ReadyLine explorer = ReadyLine.of(URI.create("http://127.0.0.1:9"));
        assertThat(explorer.toString()).isEqualTo("READY http://127.0.0.1:9");
        assertThat(ReadyLine.parse("  " + explorer + "\r")).contains(explorer);
    }

    @Test
    void other_output_lines_are_not_ready_lines() {
        assertThat(ReadyLine.parse("12:00:01 INFO node serving 2 model(s)")).isEmpty();
        assertThat(ReadyLine.parse("READY")).isEmpty();
    }

    @Test
    void a_malformed_ready_line_is_an_error_naming_it() {
        assertThatThrownBy(() -> ReadyLine.parse("READY /relative")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("READY line's url must be absolute, got '/relative'");
        assertThatThrownBy(() -> ReadyLine.parse("READY http://h:1 0xzz")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReadyLine.parse("READY http://h:1 " + NODE + " extra"))
                .hasMessageStartingWith("READY line must be READY <url> [address]");
    }
}
