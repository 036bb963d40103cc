package io.verity.engine.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;

/**
 * Regression: ONNX Runtime 1.29's native start-up segfaulted (exit 139, no hs_err file) when the first
 * {@code OrtEnvironment.getEnvironment} ran on a thread with a 1 MiB stack in a JVM whose command line was
 * long, e.g. {@code java -cp <48 jars>}: found while scanning the ONNX backend data from a scratch launcher.
 * {@link OnnxRuntimeEngine} now creates the environment on its own 8 MiB-stack thread. This starts such a
 * JVM (main thread stack 1 MiB, ~5000-character class path) and expects the engine to come up.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class LongCommandLineIT {

    /** Run in the child JVM: start the engine on the main thread and print its id. */
    public static void main(String[] args) {
        try (OnnxRuntimeEngine engine = OnnxRuntimeEngine.create()) {
            System.out.println(engine.id());
        }
    }

    @Test
    void the_engine_starts_on_a_1_mib_main_thread_with_a_long_command_line() throws Exception {
        StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
        for (int i = 0; i < 200; i++) cp.append(File.pathSeparator).append("/nonexistent/padding-").append(i).append(".jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xss1m", "--enable-native-access=ALL-UNNAMED",
                "-cp", cp.toString(), LongCommandLineIT.class.getName()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();

        assertThat(p.exitValue()).as("exit code; output:%n%s", out).isZero();
        assertThat(out).contains("onnxruntime/1.29.0/cpu");
    }
}
