package io.verity.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's own linter of the text exposition format, {@code promtool check metrics} (Debian {@code prometheus},
 * installed by {@code ./verity test}): what a real Prometheus would reject or warn about in a {@code /metrics} page;
 * and of alerting rules, {@code promtool check rules} (docs/alerts.yml).
 * Without it a test fails naming the package, never skips.
 */
public final class Promtool {
    private Promtool() {}

    /** What promtool said about {@code exposition}, empty when it passed it without a word. */
    public static String check(String exposition) throws IOException, InterruptedException {
        return run(exposition, "check", "metrics");
    }

    /**
     * {@code promtool check rules FILE}: whether a Prometheus would load the alerting rules; its output, which starts
     * with "exit N:" when it would not.
     */
    public static String checkRules(Path rules) throws IOException, InterruptedException {
        return run("", "check", "rules", rules.toString());
    }

    private static String run(String stdin, String... args) throws IOException, InterruptedException {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            throw new IllegalStateException("promtool is not installed: apt-get install prometheus (./verity test installs it)");
        }
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(promtool.toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("promtool " + String.join(" ", args) + " did not end within 30 s");
        }
        return p.exitValue() == 0 ? out.strip() : ("exit " + p.exitValue() + ": " + out).strip();
    }
}
