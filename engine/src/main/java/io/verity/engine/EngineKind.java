package io.verity.engine;

import io.verity.protocol.WireName;
import java.util.Locale;

/**
 * The engines a node can serve an ONNX model with, by the name an operator types ({@link #wireName()}):
 * {@code verity node start --engine NAME} (the node's default) and {@code verity model add --engine NAME} (one
 * model's choice, kept in its hub manifest). Receipts name the engine more precisely, by {@link InferenceEngine#id()}.
 */
public enum EngineKind implements WireName {
    /** The deterministic interpreter ({@code verity-det/...}): the same bits on every CPU and JVM, disputable on chain. */
    DET,
    /** ONNX Runtime on the CPU: fast; answers agree across machines only within a model's tolerance. */
    ONNXRUNTIME;

    /**
     * The kind named {@code det} or {@code onnxruntime} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted names and what arrived
     */
    public static EngineKind parse(String name) {
        return WireName.find(EngineKind.class, name == null ? "" : name.strip().toLowerCase(Locale.ROOT)).orElseThrow(() ->
                new IllegalArgumentException("engine must be one of " + WireName.list(EngineKind.class) + ", got "
                        + (name == null ? "null" : "'" + name + "'")));
    }

    @Override
    public String toString() {
        return wireName();
    }
}
