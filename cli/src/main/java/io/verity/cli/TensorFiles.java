package io.verity.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.verity.protocol.json.InvalidFieldException;
import io.verity.protocol.json.TensorJson;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads tensor lists from files a user has: a bare JSON array of tensors, or an object holding one under
 * {@code key} (a saved request has "inputs", a saved response "outputs").
 */
public final class TensorFiles {
    private TensorFiles() {}

    public static JsonNode readJson(Path file) throws IOException {
        try {
            return Main.JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new UsageError("no such file: " + file);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UsageError(file + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    static JsonNode tensorArray(Path file, JsonNode root, String key) {
        JsonNode arr = root.isArray() ? root : root.get(key);
        if (arr == null || !arr.isArray()) {
            throw new UsageError(file + ": expected a JSON array of tensors or an object with \"" + key + "\": [...]");
        }
        return arr;
    }

    public static List<Tensor> read(Path file, String key) throws IOException {
        JsonNode arr = tensorArray(file, readJson(file), key);
        try {
            return TensorJson.readList(arr, "/" + key);
        } catch (InvalidFieldException e) {
            StringBuilder sb = new StringBuilder(file + " holds invalid tensors:");
            e.errors().forEach(fe -> sb.append("\n  ").append(fe.pointer()).append(": ").append(fe.detail()));
            throw new UsageError(sb.toString());
        }
    }

    /** A mistake in what the user gave us: printed as one message, exit code 2. */
    public static final class UsageError extends RuntimeException {
        public UsageError(String message) {
            super(message, null, false, false);
        }
    }
}
