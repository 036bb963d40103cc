package io.verity.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests find things outside their module: the repository root (the surefire property
 * {@code verity.root}, else the nearest parent with {@code .mvn/}), the project-local npm packages that
 * {@code ./verity test} installs, and {@code ../shared} beside the repository.
 */
public final class TestPaths {
    private TestPaths() {}

    public static Path repoRoot() {
        String prop = System.getProperty("verity.root");
        if (prop != null && !prop.isBlank()) return Path.of(prop).toAbsolutePath().normalize();
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve(".mvn"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("cannot find the repository root (no .mvn/ above cwd)");
        return p;
    }

    /** tools/node/node_modules; fails with the command to run when it is missing. */
    public static Path nodeModules() {
        Path nm = repoRoot().resolve("tools/node/node_modules");
        if (!Files.isDirectory(nm)) {
            throw new IllegalStateException(nm + " is missing: run ./verity test (it installs the npm packages)");
        }
        return nm;
    }

    /** ../shared beside the repository (golden vectors from outside the project). */
    public static Path shared() {
        return repoRoot().getParent().resolve("shared");
    }

    /**
     * The real TEE evidence (../shared/vectors/attestation, see its MANIFEST.md); from a git worktree nested
     * deeper (e.g. /work/wt/NAME) the nearest ancestor holding shared/vectors/attestation.
     */
    public static Path attestationVectors() {
        Path primary = shared().resolve("vectors/attestation");
        if (Files.isDirectory(primary)) return primary;
        for (Path p = repoRoot(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/vectors/attestation");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException(primary + " is missing (the shared attestation vectors)");
    }
}
