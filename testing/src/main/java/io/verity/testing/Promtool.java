package io.verity.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's own linter of the text exposition format, {@code promtool check metrics} (Debian {@code prometheus},
 * installed by {@code ./verity test}): what a real Prometheus would reject or warn about in a {@code /metrics} page.
 * Without it a test fails naming the package, never skips.
 */
public final class Promtool {
    private Promtool() {}

    /** What promtool said about {@code exposition}, empty when it passed it without a word. */
    public static String check(String exposition) throws IOException, InterruptedException {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            throw new IllegalStateException("promtool is not installed: apt-get install prometheus (./verity test installs it)");
        }
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("promtool check metrics did not end within 30 s");
        }
        return p.exitValue() == 0 ? out.strip() : ("exit " + p.exitValue() + ": " + out).strip();
    }
}
