package io.verity.node.serve;

import io.verity.protocol.EvmAddress;
import io.verity.protocol.Hex;
import io.verity.protocol.crypto.NodeKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The node's signing key, i.e. its identity on the network (the key's Ethereum address). Taken from the
 * environment variable {@value #ENV} (hex private key) when set, else from {@code home/node.key}, which is
 * created on first start readable by the owner only.
 */
public final class NodeIdentity {
    public static final String ENV = "VERITY_NODE_KEY";
    public static final String FILE = "node.key";

    private final NodeKey key;

    private NodeIdentity(NodeKey key) {
        this.key = key;
    }

    /** The identity of an explicit key, e.g. the chain account from the node's chain settings. */
    public static NodeIdentity of(String privateKeyHex, String what) {
        try {
            return new NodeIdentity(NodeKey.fromPrivateKey(privateKeyHex.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be a 32-byte hex secp256k1 private key: " + e.getMessage());
        }
    }

    public static NodeIdentity loadOrCreate(Path home) throws IOException {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            try {
                return new NodeIdentity(NodeKey.fromPrivateKey(env.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ENV + " must be a 32-byte hex secp256k1 private key: " + e.getMessage());
            }
        }
        Files.createDirectories(home);
        Path file = home.resolve(FILE);
        if (!Files.exists(file)) {
            NodeKey fresh = NodeKey.generate(new SecureRandom());
            try {
                write(file, Hex.encode(fresh.privateKeyBytes()));
            } catch (FileAlreadyExistsException raced) {
                // another process created it first: use theirs
            }
        }
        String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
        try {
            return new NodeIdentity(NodeKey.fromPrivateKey(hex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " must hold a 32-byte hex secp256k1 private key: " + e.getMessage());
        }
    }

    private static void write(Path file, String hex) throws IOException {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(ownerOnly));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, hex + "\n", StandardCharsets.US_ASCII, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        try {
            Files.createLink(file, tmp); // fails if the file appeared meanwhile, unlike a rename
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public NodeKey key() {
        return key;
    }

    public EvmAddress address() {
        return key.address();
    }
}
