package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.testing.TestPaths;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code verity} command in docs/operate.md's code blocks is one the CLI has, and every {@code --flag} on it is
 * one of that command's options: an operator following the page never meets "unknown command" or "unknown option".
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OperateDocTest {
    @Test
    void every_command_and_flag_in_operate_md_exists() throws Exception {
        String doc = Files.readString(TestPaths.repoRoot().resolve("docs/operate.md"));
        var blocks = Pattern.compile("(?s)```\\n(.*?)```").matcher(doc);
        List<String> checked = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        while (blocks.find()) {
            for (String line : blocks.group(1).replace("\\\n", " ").split("\n")) {
                String[] t = line.strip().split("\\s+");
                for (int i = 0; i < t.length - 1; i++) {
                    if (!t[i].equals("verity") && !t[i].endsWith("/verity")) continue;
                    CommandLine cmd = Main.commandLine();
                    if (!cmd.getSubcommands().containsKey(t[i + 1])) continue; // a user or directory named verity, ./verity dist
                    int j = i + 1;
                    StringBuilder name = new StringBuilder("verity");
                    while (j < t.length && cmd.getSubcommands().containsKey(t[j])) {
                        cmd = cmd.getSubcommands().get(t[j]);
                        name.append(' ').append(t[j++]);
                    }
                    checked.add(name.toString());
                    for (; j < t.length && !t[j].matches("[|;&>#].*"); j++) {
                        String flag = t[j].split("=", 2)[0];
                        if (flag.startsWith("--") && cmd.getCommandSpec().findOption(flag) == null) wrong.add(name + " " + flag);
                    }
                }
            }
        }
        assertThat(wrong).as("flags docs/operate.md gives that the command lacks").isEmpty();
        assertThat(checked).contains("verity keys new", "verity keys consent", "verity node register", "verity node start",
                "verity node rotate-key", "verity node revoke-key", "verity node unbond", "verity node withdraw",
                "verity chain status", "verity model add", "verity gateway start", "verity infer", "verity verify");
    }
}
