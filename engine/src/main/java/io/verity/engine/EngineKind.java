package io.verity.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The engines a node can serve an ONNX model with, by the name an operator types: {@code verity node start
 * --engine NAME} (the node's default) and {@code verity model add --engine NAME} (one model's choice, kept in
 * its hub manifest). Receipts name the engine more precisely, by {@link InferenceEngine#id()}.
 */
public enum EngineKind {
    /** ONNX Runtime on the CPU: fast; answers agree across machines only within a model's tolerance. */
    ONNXRUNTIME("onnxruntime"),
    /** The deterministic interpreter ({@code verity-det/...}): the same bits on every CPU and JVM, disputable on chain. */
    DET("det");

    private final String cliName;

    EngineKind(String cliName) {
        this.cliName = cliName;
    }

    /** {@code det} or {@code onnxruntime}. */
    public String cliName() {
        return cliName;
    }

    /**
     * The kind named {@code det} or {@code onnxruntime} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted names and what arrived
     */
    public static EngineKind parse(String name) {
        for (EngineKind k : values()) {
            if (name != null && k.cliName.equals(name.strip().toLowerCase(Locale.ROOT))) return k;
        }
        throw new IllegalArgumentException("engine must be one of " + names() + ", got " + (name == null ? "null" : "'" + name + "'"));
    }

    /** {@code det, onnxruntime}: for usage texts. */
    public static String names() {
        return Arrays.stream(values()).map(EngineKind::cliName).sorted().collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
