package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * The real models give the same output bytes and trace roots in child JVMs that execute the same code very
 * differently: the C2 JIT with auto-vectorisation, C2 without it (-XX:-UseSuperWord), C1 only, and the
 * bytecode interpreter (-Xint, on the smaller models). Every JDK >= 21 under /usr/lib/jvm is used; this
 * machine has only Temurin 25 (Java 17 cannot load release-21 classes), so the JIT modes stand in for
 * "another JVM".
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class CrossJvmDeterminismIT {
    static final String[] ALL = {"PaddleOCR det v4", "PaddleOCR rec v4", "PaddleOCR cls v2", "Silero VAD legacy", "Silero VAD v5"};
    static final String[] SMALL = {"PaddleOCR cls v2", "Silero VAD legacy", "Silero VAD v5"};

    @Test
    void child_jvms_in_different_execution_modes_reproduce_the_same_digests() throws Exception {
        String here = DigestMain.digests(2, ALL);
        assertThat(here.lines()).hasSize(ALL.length);
        List<String> smallHere = here.lines().filter(l -> List.of(SMALL).contains(l.substring(0, l.indexOf('|')))).toList();
        for (String java : javas()) {
            assertThat(child(java, List.of("-XX:-UseSuperWord"), 1, ALL)).as("%s -XX:-UseSuperWord", java).isEqualTo(here);
            assertThat(child(java, List.of("-XX:TieredStopAtLevel=1"), 3, ALL)).as("%s C1 only", java).isEqualTo(here);
            assertThat(child(java, List.of("-Xint"), 1, SMALL).lines().toList()).as("%s -Xint", java).isEqualTo(smallHere);
        }
    }

    static List<String> javas() throws Exception {
        List<String> out = new ArrayList<>();
        out.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try (var s = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path p : s.sorted().toList()) {
                Path j = p.resolve("bin/java");
                if (Files.isExecutable(j) && !out.contains(j.toString()) && !p.toRealPath().equals(Path.of(System.getProperty("java.home")).toRealPath())
                        && release(p) >= 21) {
                    out.add(j.toString());
                }
            }
        }
        return out;
    }

    static int release(Path jdk) {
        try {
            for (String l : Files.readAllLines(jdk.resolve("release"))) {
                if (l.startsWith("JAVA_VERSION=")) {
                    String v = l.substring(14).replace("\"", "");
                    return Integer.parseInt(v.split("[.]")[0].startsWith("1") && v.startsWith("1.") ? v.split("[.]")[1] : v.split("[.]")[0]);
                }
            }
        } catch (Exception e) {
            return 0;
        }
        return 0;
    }

    static String child(String java, List<String> flags, int threads, String[] names) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(flags);
        cmd.add("-Dverity.root=" + io.verity.testing.TestPaths.repoRoot());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(DigestMain.class.getName());
        cmd.add(String.valueOf(threads));
        cmd.addAll(List.of(names));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("child JVM " + cmd + " did not finish");
        }
        assertThat(p.exitValue()).as("exit code of %s", cmd).isZero();
        return out;
    }
}
