package io.verity.engine;

import io.verity.protocol.Keccak256;
import java.nio.file.Path;

/**
 * Runs models. Implementations: ONNX Runtime on the CPU, and the deterministic pure-Java interpreter whose
 * results are bit-identical on every JVM and CPU. An engine owns its loaded models and releases them on close.
 * Implementations are thread-safe: a loaded model may be run concurrently.
 */
public interface InferenceEngine extends AutoCloseable {

    /** Goes into every receipt, e.g. {@code onnxruntime/1.29.0/cpu}: name/version/settings. */
    String id();

    /**
     * Loads the model, or returns the already loaded one for this digest. The caller vouches that
     * {@code digest} is the digest of {@code file} (the hub checks that when it stores the file).
     *
     * @throws EngineException of kind {@link EngineException.Kind#INVALID_MODEL} when the file is not a model
     *     this engine can run
     */
    LoadedModel load(Keccak256 digest, Path file);

    /** Releases a loaded model; a no-op when it is not loaded. */
    void unload(Keccak256 digest);

    /** Releases every loaded model and native resource; idempotent. */
    @Override
    void close();
}
