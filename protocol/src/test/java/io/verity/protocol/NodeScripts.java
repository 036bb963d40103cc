package io.verity.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's node scripts (protocol/src/test/js) with NODE_PATH at tools/node/node_modules. A missing
 * node or package fails the test with what to install; nothing is skipped. (verity-testing's TestPaths cannot
 * be used here: that module depends on this one.)
 */
public final class NodeScripts {
    private NodeScripts() {}

    public static Path repoRoot() {
        String prop = System.getProperty("verity.root");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve(".mvn"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find the repository root (no .mvn/ above cwd)");
        return p.toAbsolutePath().normalize();
    }

    public static Path nodeModules() {
        Path nm = repoRoot().resolve("tools/node/node_modules");
        if (!Files.isDirectory(nm.resolve("ethers")) || !Files.isDirectory(nm.resolve("@openzeppelin/merkle-tree"))) {
            throw new IllegalStateException(nm + " lacks ethers or @openzeppelin/merkle-tree: run ./verity test"
                    + " (it installs the npm packages)");
        }
        return nm;
    }

    /** Runs {@code protocol/src/test/js/<script>} with {@code stdin}; returns stdout, or fails naming stderr. */
    public static String run(String script, String stdin) throws IOException, InterruptedException {
        Path file = repoRoot().resolve("protocol/src/test/js").resolve(script);
        ProcessBuilder pb = new ProcessBuilder("node", file.toString());
        pb.environment().put("NODE_PATH", nodeModules().toString());
        // stdout and stderr go to files, so neither pipe can fill up and block node, and waitFor's limit holds
        Path out = Files.createTempFile("node-stdout", ".json");
        Path err = Files.createTempFile("node-stderr", ".txt");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start 'node' (Node.js 20 must be on PATH for the interop tests)", e);
        }
        try (var in = proc.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!proc.waitFor(2, TimeUnit.MINUTES)) {
            proc.destroyForcibly();
            throw new IllegalStateException("node " + script + " did not finish within 2 minutes");
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        if (proc.exitValue() != 0) {
            throw new IllegalStateException("node " + script + " exited " + proc.exitValue() + ": " + stderr);
        }
        return stdout;
    }
}
