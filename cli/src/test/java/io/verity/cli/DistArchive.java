package io.verity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.verity.protocol.EvmAddress;
import io.verity.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code ./verity dist} archive for the tests that run it as an operator would ({@link DistIT},
 * {@link OperatorJourneyIT}): built by the script {@code ./verity dist} runs ({@code tools/dist/dist.sh}, from the jars
 * this build packaged; the first build in a clean clone links the runtime, later ones reuse it) and unpacked.
 */
final class DistArchive {
    private DistArchive() {}

    /**
     * Builds the archive (only what changed since the last build; nothing when nothing did); its path. Under a file
     * lock, since the ITs that need it may run in two forked JVMs at once and the script writes one output folder.
     */
    static Path build() throws Exception {
        Path root = TestPaths.repoRoot();
        Path out = root.resolve("cli/target/dist");
        Files.createDirectories(out);
        try (FileChannel lockFile = FileChannel.open(out.resolveSibling("dist.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            // the JDK running this test links the runtime; its java.home is a full JDK under surefire/failsafe
            String printed = run(List.of(root.resolve("tools/dist/dist.sh").toString(), out.toString()),
                    Map.of("JAVA_HOME", System.getProperty("java.home"), "PATH", System.getenv("PATH")), root, 600);
            return Path.of(printed.strip().lines().reduce((a, b) -> b).orElseThrow());
        }
    }

    /** Unpacks {@code archive} into {@code dir} (as {@code tar -xzf ... -C /opt}); the launcher, {@code bin/verity}. */
    static Path unpack(Path archive, Path dir) throws Exception {
        run(List.of("tar", "-xzf", archive.toString(), "-C", dir.toString()), Map.of("PATH", System.getenv("PATH")), dir, 120);
        try (var entries = Files.list(dir)) {
            return entries.findFirst().orElseThrow().resolve("bin/verity");
        }
    }

    /** Runs a command in {@code cwd} with exactly {@code env}; returns its stdout, or fails with its output. */
    static String run(List<String> cmd, Map<String, String> env, Path cwd, int timeoutSeconds) throws Exception {
        Path err = Files.createTempFile("verity-dist-stderr", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(cmd + " did not end within " + timeoutSeconds + " s; stderr: " + Files.readString(err));
            }
            assertThat(p.exitValue()).as("%s\nstdout: %s\nstderr: %s", cmd, out.get(), Files.readString(err)).isZero();
            return out.get();
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /**
     * Gives each of {@code accounts} a balance of {@code wei}, as a faucet would, through the dev chain's JSON-RPC
     * ({@code hardhat_setBalance}, which anvil answers too). HTTP/1.1: Hardhat refuses the HTTP/2 upgrade request
     * Java's client sends by default with a bare 400.
     */
    static void fund(String rpcUrl, BigInteger wei, EvmAddress... accounts) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (EvmAddress to : accounts) {
                var response = http.send(HttpRequest.newBuilder(URI.create(rpcUrl)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hardhat_setBalance\","
                                + "\"params\":[\"" + to + "\",\"0x" + wei.toString(16) + "\"]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.body()).as("funding %s", to).contains("\"result\"").doesNotContain("error");
            }
        }
    }
}
