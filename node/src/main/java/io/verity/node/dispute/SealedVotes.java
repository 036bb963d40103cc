package io.verity.node.dispute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.verity.node.settle.BatchFiles;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A committee member's sealed votes (its choice and salt per dispute), written through to one file in the node's
 * home before the commitment is sent, so a node restarted between commit and reveal can still reveal instead of
 * paying the member penalty. Written atomically ({@link BatchFiles#atomicWrite}): a crash leaves the old file or
 * the new one. Finished disputes are dropped.
 */
final class SealedVotes {
    record Sealed(boolean agrees, Keccak256 salt) {}

    private final Path file;
    private final Map<Long, Sealed> votes = new TreeMap<>();

    private SealedVotes(Path file) {
        this.file = file;
    }

    /** The votes kept in {@code file}, none when it does not exist yet. */
    static SealedVotes at(Path file) {
        SealedVotes v = new SealedVotes(file);
        if (!Files.exists(file)) return v;
        try {
            JsonNode root = StrictJson.standard().readObject(Files.readAllBytes(file));
            for (JsonNode e : root.path("votes")) {
                v.votes.put(e.get("dispute").asLong(), new Sealed(e.get("agrees").asBoolean(), Keccak256.parse(e.get("salt").asText())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sealed votes in " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the sealed votes in " + file + " are not readable: " + e.getMessage(), e);
        }
        return v;
    }

    synchronized Sealed get(long dispute) {
        return votes.get(dispute);
    }

    /** Keeps {@code vote}, on disk before this returns: only then may its commitment be sent. */
    synchronized void put(long dispute, Sealed vote) {
        votes.put(dispute, vote);
        write();
    }

    synchronized void remove(long dispute) {
        if (votes.remove(dispute) != null) write();
    }

    private void write() {
        ObjectNode root = BatchFiles.JSON.createObjectNode();
        ArrayNode list = root.putArray("votes");
        votes.forEach((id, v) -> list.addObject().put("dispute", id).put("agrees", v.agrees()).put("salt", v.salt().toHex()));
        try {
            Files.createDirectories(file.getParent());
            BatchFiles.atomicWrite(file, BatchFiles.JSON.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sealed votes to " + file, e);
        }
    }
}
