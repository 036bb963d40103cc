package io.verity.node.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.verity.node.settle.BatchFiles;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inputs of every disputable receipt (a trace root or the on-challenge marker signed), one JSON file per receipt id
 * ({@code traces/<id>.json}, tensors in compact b64 form). The receipt log keeps only digests; a dispute needs
 * the trace, which the deterministic engine recomputes from these inputs bit for bit, so nothing else is kept.
 * A file is needed until its receipt's dispute window has passed; {@link TracePruner} deletes it then.
 */
public final class TraceStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Logger LOG = LoggerFactory.getLogger(TraceStore.class);
    private final Path dir;

    public TraceStore(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes the file durably (fsync of the file and of the directory) before the answer leaves: a node that answered
     * and lost the inputs cannot commit its trace and loses the dispute. A failed write is logged, not thrown: the
     * receipt is already logged and charged, so refusing now would charge for nothing (docs/deterministic-engine.md,
     * "Dispute window").
     */
    public void record(Keccak256 receiptId, List<Tensor> inputs) {
        try {
            Files.createDirectories(dir);
            ArrayNode arr = JSON.createArrayNode();
            inputs.forEach(t -> arr.add(TensorJson.writeCompact(t)));
            BatchFiles.atomicWrite(file(receiptId), JSON.writeValueAsBytes(JSON.createObjectNode().set("inputs", arr)));
        } catch (IOException | UncheckedIOException e) {
            LOG.error("could not keep the inputs of receipt {} for disputes (a dispute on it would be lost): {}", receiptId,
                    e.toString());
        }
    }

    public Optional<List<Tensor>> inputs(Keccak256 receiptId) {
        Path f = file(receiptId);
        if (!Files.exists(f)) return Optional.empty();
        try {
            JsonNode root = JSON.readTree(f.toFile());
            return Optional.of(TensorJson.readList(root.get("inputs"), "/inputs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    boolean has(Keccak256 receiptId) {
        return Files.exists(file(receiptId));
    }

    /** Only {@link TracePruner} calls this, once the receipt can no longer be disputed. */
    void delete(Keccak256 receiptId) throws IOException {
        Files.deleteIfExists(file(receiptId));
    }

    Path dir() {
        return dir;
    }

    private Path file(Keccak256 id) {
        return dir.resolve(id.toHex() + ".json");
    }
}
