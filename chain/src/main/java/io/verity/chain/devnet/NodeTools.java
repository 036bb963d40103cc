package io.verity.chain.devnet;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's npm packages (anvil, solc) at run time: the {@code VERITY_NODE_MODULES} environment
 * variable, else {@code tools/node/node_modules} under the {@code verity.root} system property or the
 * {@code VERITY_ROOT} variable, else under the nearest parent of the working directory that has one.
 */
public final class NodeTools {
    private NodeTools() {}

    /** @throws IllegalStateException listing where it looked */
    public static Path locate() {
        String env = System.getenv("VERITY_NODE_MODULES");
        if (env != null && !env.isBlank()) return checked(Path.of(env));
        for (String root : new String[] {System.getProperty("verity.root"), System.getenv("VERITY_ROOT")}) {
            if (root != null && !root.isBlank()) return checked(Path.of(root, "tools/node/node_modules"));
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path nm = p.resolve("tools/node/node_modules");
            if (Files.isDirectory(nm)) return nm;
        }
        throw new IllegalStateException("cannot find tools/node/node_modules: set VERITY_NODE_MODULES or VERITY_ROOT,"
                + " or run from inside the Verity repository (./verity installs the npm packages)");
    }

    private static Path checked(Path nm) {
        if (!Files.isDirectory(nm)) {
            throw new IllegalStateException(nm + " is not a directory (from VERITY_NODE_MODULES / verity.root / VERITY_ROOT)");
        }
        return nm;
    }
}
