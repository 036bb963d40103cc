package io.verity.node.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.verity.protocol.Keccak256;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inputs of every disputable receipt (a trace root or the on-challenge marker signed), one JSON file per receipt id
 * ({@code traces/<id>.json}, tensors in compact b64 form). The receipt log keeps only digests; a dispute needs
 * the trace, which the deterministic engine recomputes from these inputs bit for bit, so nothing else is kept.
 */
public final class TraceStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Logger LOG = LoggerFactory.getLogger(TraceStore.class);
    private final Path dir;

    public TraceStore(Path dir) {
        this.dir = dir;
    }

    /** Best effort: a lost file only costs the node a dispute it could have answered, never the answer itself. */
    public void record(Keccak256 receiptId, List<Tensor> inputs) {
        try {
            Files.createDirectories(dir);
            ArrayNode arr = JSON.createArrayNode();
            inputs.forEach(t -> arr.add(TensorJson.writeCompact(t)));
            Path tmp = Files.createTempFile(dir, ".inputs", ".json");
            Files.write(tmp, JSON.writeValueAsBytes(JSON.createObjectNode().set("inputs", arr)));
            Files.move(tmp, file(receiptId), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("could not keep the inputs of receipt {} for disputes: {}", receiptId, e.toString());
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

    private Path file(Keccak256 id) {
        return dir.resolve(id.toHex() + ".json");
    }
}
