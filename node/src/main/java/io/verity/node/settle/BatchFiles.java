package io.verity.node.settle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The batcher's files under the node home: {@code settle/state.json} ({@code {"cursor": offset, "pending":
 * root|null}}) and one {@code batches/<root>.json} per batch. Every write is temp file, fsync, atomic
 * rename, fsync of the directory, so a crash leaves the old or the new file, never a torn one.
 */
public final class BatchFiles {
    public static final ObjectMapper JSON = new ObjectMapper();

    record State(long cursor, Optional<Keccak256> pending) {}

    /** A batch as stored; {@code batchId} is present once the chain confirmed it. */
    record Stored(Keccak256 root, OptionalLong batchId, List<Keccak256> ids, ObjectNode json) {}

    private final Path stateFile;
    private final Path batchDir;

    BatchFiles(Path home) throws IOException {
        this.stateFile = home.resolve("settle").resolve("state.json");
        this.batchDir = home.resolve("batches");
        Files.createDirectories(stateFile.getParent());
        Files.createDirectories(batchDir);
    }

    State readState() throws IOException {
        if (!Files.exists(stateFile)) return new State(0, Optional.empty());
        JsonNode n = JSON.readTree(stateFile.toFile());
        JsonNode cursor = n.get("cursor");
        if (cursor == null || !cursor.canConvertToLong() || cursor.asLong() < 0) {
            throw new IOException(stateFile + ": /cursor must be an offset >= 0, got " + cursor);
        }
        JsonNode p = n.get("pending");
        return new State(cursor.asLong(), p == null || p.isNull() ? Optional.empty() : Optional.of(Keccak256.parse(p.asText())));
    }

    void writeState(State s) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("cursor", s.cursor());
        if (s.pending().isPresent()) n.put("pending", s.pending().get().toHex());
        else n.putNull("pending");
        atomicWrite(stateFile, JSON.writeValueAsBytes(n));
    }

    Path batchFile(Keccak256 root) {
        return batchDir.resolve(root.toHex() + ".json");
    }

    void writeBatch(ObjectNode json) throws IOException {
        atomicWrite(batchFile(Keccak256.parse(json.get("root").asText())), JSON.writeValueAsBytes(json));
    }

    Optional<byte[]> readBatchBytes(Keccak256 root) throws IOException {
        Path f = batchFile(root);
        try {
            return Optional.of(Files.readAllBytes(f));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
    }

    Optional<Stored> readBatch(Keccak256 root) throws IOException {
        Optional<byte[]> b = readBatchBytes(root);
        return b.isEmpty() ? Optional.empty() : Optional.of(parse(b.get(), batchFile(root)));
    }

    List<Stored> readAll() throws IOException {
        List<Stored> out = new ArrayList<>();
        try (var files = Files.newDirectoryStream(batchDir, "0x*.json")) {
            for (Path f : files) out.add(parse(Files.readAllBytes(f), f));
        }
        return out;
    }

    void delete(Keccak256 root) throws IOException {
        Files.deleteIfExists(batchFile(root));
    }

    private static Stored parse(byte[] bytes, Path file) throws IOException {
        JsonNode n = JSON.readTree(bytes);
        if (!(n instanceof ObjectNode o) || !n.path("root").isTextual() || !n.path("ids").isArray()) {
            throw new IOException(file + ": expected a batch object with root and ids");
        }
        List<Keccak256> ids = new ArrayList<>();
        for (JsonNode id : n.get("ids")) ids.add(Keccak256.parse(id.asText()));
        JsonNode bid = n.get("batchId");
        return new Stored(Keccak256.parse(n.get("root").asText()),
                bid == null || bid.isNull() ? OptionalLong.empty() : OptionalLong.of(bid.asLong()), ids, o);
    }

    static ObjectNode batchJson(Keccak256 root, String uri, List<Keccak256> ids, List<byte[]> receipts) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("root", root.toHex());
        n.putNull("batchId");
        n.put("uri", uri);
        n.put("count", ids.size());
        ArrayNode idArr = n.putArray("ids");
        ids.forEach(id -> idArr.add(id.toHex()));
        ArrayNode rs = n.putArray("receipts");
        for (byte[] r : receipts) rs.add(JSON.readTree(r));
        return n;
    }

    /** Temp file, fsync, atomic rename, fsync of the directory: a crash leaves the old or the new file. */
    public static void atomicWrite(Path target, byte[] bytes) throws IOException {
        Path dir = target.getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            var buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // make the rename itself durable
        } catch (IOException | UnsupportedOperationException notSupported) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }
}
