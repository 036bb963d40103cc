package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verity dispute demo}: a dishonest det node is challenged, bisected and slashed on its own local chain. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DisputeDemoIT {
    @TempDir Path dir;

    @Test
    void the_demo_slashes_the_dishonest_node_and_exits_0() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = Main.commandLine().execute("dispute", "demo", "--dir", dir.toString());
        } finally {
            System.setOut(out);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertThat(code).as(text).isZero();
        assertThat(text).contains("round  1: node revealed chain(")
                .containsPattern("disputed entry \\d+: Constant output")
                .contains("resolved: committee: node wrong, slashed 0.5 ETH")
                .contains("node 1 stake: 1 ETH -> 0.5 ETH")
                .containsPattern("CHALLENGER_WON after (\\d|1[0-2]) rounds");
        assertThat(text.lines().filter(l -> l.contains(": node wrong") && l.contains("vote ")).count()).isEqualTo(3);
    }

    @Test
    void a_size_that_is_not_a_multiple_of_32_is_a_usage_error() {
        assertThat(Main.commandLine().execute("dispute", "demo", "--size", "50")).isEqualTo(Main.USAGE);
    }
}
