package io.verity.engine.onnx;

import io.verity.protocol.tensor.ModelSchema;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What an ONNX file says about itself, read without running it: the I/O schema plus the provenance fields
 * a model manifest records.
 *
 * @param irVersion the ONNX IR version of the file (>= 1)
 * @param producerName the tool that wrote the file, "" when the file does not say
 * @param producerVersion that tool's version, "" when the file does not say
 * @param opsets operator set version per domain, sorted by domain; the default domain (written as "" or
 *     "ai.onnx" in files) is always spelled {@code ai.onnx}
 * @param schema graph inputs (without initializers) and outputs
 */
public record OnnxGraphInfo(
        long irVersion, String producerName, String producerVersion, Map<String, Long> opsets, ModelSchema schema) {

    /** The spelling of ONNX's default operator domain in {@link #opsets()}. */
    public static final String DEFAULT_DOMAIN = "ai.onnx";

    public OnnxGraphInfo {
        if (irVersion < 1) throw new IllegalArgumentException("irVersion must be >= 1, got " + irVersion);
        Objects.requireNonNull(producerName, "producerName");
        Objects.requireNonNull(producerVersion, "producerVersion");
        Objects.requireNonNull(schema, "schema");
        opsets = java.util.Collections.unmodifiableMap(new TreeMap<>(opsets));
    }
}
