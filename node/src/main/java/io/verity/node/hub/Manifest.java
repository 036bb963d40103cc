package io.verity.node.hub;

import io.verity.engine.EngineKind;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.ModelSchema;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What the hub knows about one stored model, kept as {@code manifest.json} beside the file.
 *
 * <p>The model's identity is {@link #digest()}, keccak256 of the file bytes. The manifest has its own
 * digest, {@link #manifestDigest()}, over a canonical JSON form; {@link #addedAt()} is local bookkeeping and
 * is left out of it, so two nodes holding the same model with the same metadata agree on the manifest digest.
 *
 * @param digest keccak256 of the model file
 * @param name model name: 1-128 of {@code A-Z a-z 0-9 . _ -}, starting with a letter or digit, not a digest
 *     or digest prefix, e.g. {@code silero-vad}
 * @param version 1-64 of {@code A-Z a-z 0-9 . _ - +}, starting with a letter or digit, e.g. {@code 5.1.2}
 * @param license licence (SPDX id or free text), or null when unknown
 * @param source where the model came from (URL or free text), or null when unknown
 * @param sizeBytes file size in bytes
 * @param format {@code onnx}, or {@code gguf} for a language model served on the OpenAI routes
 * @param schema the graph's inputs and outputs (empty for gguf)
 * @param opsets operator set version per domain
 * @param producer the tool that wrote the file
 * @param addedAt when this hub stored the model
 * @param engine the engine to serve it with; empty (also in older manifests) means the node's {@code --engine}. Like
 *     addedAt, this node's choice and not the model's, so not in the manifest digest: nodes serving one model on
 *     different engines agree on it, older manifests keep theirs, and each receipt names its engine anyway.
 */
public record Manifest(
        Keccak256 digest,
        String name,
        String version,
        String license,
        String source,
        long sizeBytes,
        String format,
        ModelSchema schema,
        Map<String, Long> opsets,
        Producer producer,
        Instant addedAt,
        Optional<EngineKind> engine) {

    public static final String FORMAT_ONNX = "onnx";
    /** A llama.cpp language model; the node serves it on /v1/chat/completions, not /v1/infer. */
    public static final String FORMAT_GGUF = "gguf";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
    private static final Pattern HEXISH = Pattern.compile("(0[xX])?[0-9a-fA-F]{8,64}");

    public Manifest {
        Objects.requireNonNull(digest, "digest");
        checkName(name);
        checkVersion(version);
        if (license != null && license.isBlank()) license = null;
        if (source != null && source.isBlank()) source = null;
        if (sizeBytes < 0) throw new IllegalArgumentException("sizeBytes must be >= 0, got " + sizeBytes);
        if (!FORMAT_ONNX.equals(format) && !FORMAT_GGUF.equals(format)) {
            throw new IllegalArgumentException("format must be '" + FORMAT_ONNX + "' or '" + FORMAT_GGUF + "', got '"
                    + format + "'");
        }
        Objects.requireNonNull(schema, "schema");
        opsets = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(opsets, "opsets")));
        Objects.requireNonNull(producer, "producer");
        Objects.requireNonNull(addedAt, "addedAt");
        Objects.requireNonNull(engine, "engine");
        if (engine.isPresent() && !FORMAT_ONNX.equals(format)) throw new IllegalArgumentException("engine applies to ONNX"
                + " models only; " + name + "@" + version + " is " + format);
    }

    /** A manifest without an engine of its own: the node's default runs it. */
    public Manifest(Keccak256 digest, String name, String version, String license, String source, long sizeBytes,
            String format, ModelSchema schema, Map<String, Long> opsets, Producer producer, Instant addedAt) {
        this(digest, name, version, license, source, sizeBytes, format, schema, opsets, producer, addedAt, Optional.empty());
    }

    /** This manifest with {@code kind} as its engine (empty: the node's default). */
    public Manifest withEngine(Optional<EngineKind> kind) {
        return new Manifest(digest, name, version, license, source, sizeBytes, format, schema, opsets, producer, addedAt, kind);
    }

    /** The program that wrote the model file; both parts are "" when the file does not say. */
    public record Producer(String name, String version) {
        public Producer {
            Objects.requireNonNull(name, "producer name");
            Objects.requireNonNull(version, "producer version");
        }
    }

    /** {@code name@version}. */
    public String ref() {
        return name + "@" + version;
    }

    /** keccak256 of {@link #canonicalJson()}. */
    public Keccak256 manifestDigest() {
        return Keccak256.hash(canonicalJson());
    }

    /** Every field but addedAt and engine, as JSON with sorted keys and no whitespace, UTF-8. */
    public byte[] canonicalJson() {
        return ManifestJson.canonical(this);
    }

    /** The manifest as stored and served (pretty-printed JSON with every field). */
    public String toJson() {
        return ManifestJson.write(this);
    }

    /**
     * Parses the JSON form, as {@link #toJson()} writes it. Unknown fields are ignored.
     *
     * @throws IllegalArgumentException naming the field that is missing or malformed
     */
    public static Manifest parse(String json) {
        return ManifestJson.parse(json);
    }

    /** @throws IllegalArgumentException when {@code name} is not a valid model name (see the record doc) */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name must be 1-128 of A-Z a-z 0-9 . _ - starting with a"
                    + " letter or digit, got " + quote(name));
        }
        if (HEXISH.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "model name must not look like a digest or digest prefix, got " + quote(name));
        }
        return name;
    }

    /** @throws IllegalArgumentException when {@code version} is not a valid version (see the record doc) */
    public static String checkVersion(String version) {
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("model version must be 1-64 of A-Z a-z 0-9 . _ - + starting with a"
                    + " letter or digit, got " + quote(version));
        }
        return version;
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + (s.length() > 80 ? s.substring(0, 77) + "..." : s) + "'";
    }
}
