package io.verity.engine.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.verity.engine.EngineException;
import io.verity.engine.EngineException.Kind;
import io.verity.engine.Inference;
import io.verity.engine.LoadedModel;
import io.verity.engine.ModelInputs;
import io.verity.engine.RunStop;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.ModelSchema;
import io.verity.protocol.tensor.Tensor;
import io.verity.protocol.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One ONNX Runtime session. Runs share the session concurrently (ORT's {@code Run} is thread-safe); closing
 * takes the write lock, so it waits for runs in flight and later runs fail instead of touching freed memory.
 */
final class OrtModel implements LoadedModel {
    private final OrtEnvironment env;
    private final Keccak256 digest;
    private final String label;
    private final OrtSession session;
    private final ModelSchema schema;
    private final Set<String> outputNames;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lock

    private OrtModel(OrtEnvironment env, Keccak256 digest, String label, OrtSession session, ModelSchema schema) {
        this.env = env;
        this.digest = digest;
        this.label = label;
        this.session = session;
        this.schema = schema;
        Set<String> names = new LinkedHashSet<>();
        for (TensorSpec s : schema.outputs()) names.add(s.name());
        this.outputNames = names;
    }

    /** Takes ownership of {@code session}: closes it when the schema cannot be read. */
    static OrtModel open(OrtEnvironment env, Keccak256 digest, String label, OrtSession session) {
        try {
            ModelSchema schema = new ModelSchema(
                    OrtTensors.specs("input", session.getInputInfo()),
                    OrtTensors.specs("output", session.getOutputInfo()));
            return new OrtModel(env, digest, label, session, schema);
        } catch (OrtException | IllegalArgumentException e) {
            closeQuietly(session, e);
            throw new EngineException(Kind.INVALID_MODEL, label + ": cannot read its inputs and outputs: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Keccak256 digest() {
        return digest;
    }

    @Override
    public ModelSchema schema() {
        return schema;
    }

    String label() {
        return label;
    }

    @Override
    public Inference run(List<Tensor> inputs, RunStop stop) {
        lock.readLock().lock();
        try {
            if (closed) throw new EngineException(Kind.FAILURE, label + ": model was unloaded");
            ModelInputs.inSchemaOrder(schema, inputs, label);
            if (stop == RunStop.NEVER) return Inference.untraced(execute(inputs, null));
            // ORT reads its terminate flag between nodes (a Loop's body too) and ends the run with an error
            try (OrtSession.RunOptions options = new OrtSession.RunOptions();
                    RunStop.Registration watch = stop.whileRunning(() -> terminate(options))) {
                return Inference.untraced(execute(inputs, options));
            } catch (EngineException e) {
                throw stop.stopped() ? RunStop.stoppedException() : e;
            } catch (OrtException e) {
                throw new EngineException(Kind.FAILURE, label + ": cannot make onnxruntime's run options", e);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private void terminate(OrtSession.RunOptions options) {
        try {
            options.setTerminate(true);
        } catch (OrtException e) { // the run goes on to its end: it is then answered, only late
            throw new EngineException(Kind.FAILURE, label + ": cannot stop the run", e);
        }
    }

    /** @param options null for ORT's defaults */
    private List<Tensor> execute(List<Tensor> inputs, OrtSession.RunOptions options) {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (Tensor t : inputs) {
                try {
                    feeds.put(t.name(), OrtTensors.toOrt(env, t));
                } catch (IllegalStateException | IllegalArgumentException e) {
                    throw new EngineException(Kind.FAILURE, label + ": cannot pass input '" + t.name()
                            + "' to onnxruntime: " + e.getMessage(), e);
                }
            }
            try (OrtSession.Result result = options == null ? session.run(feeds, outputNames) : session.run(feeds, outputNames, options)) {
                List<Tensor> outputs = new ArrayList<>(outputNames.size());
                for (String name : outputNames) {
                    OnnxValue v = result.get(name).orElseThrow(() -> new EngineException(Kind.FAILURE,
                            label + ": onnxruntime returned no value for output '" + name + "'"));
                    if (!(v instanceof OnnxTensor ot)) {
                        throw new EngineException(Kind.FAILURE, label + ": output '" + name
                                + "' must be a tensor, got " + v.getType());
                    }
                    try {
                        outputs.add(OrtTensors.fromOrt(name, ot));
                    } catch (IllegalStateException | IllegalArgumentException e) {
                        throw new EngineException(Kind.FAILURE, label + ": cannot convert output '" + name + "': "
                                + e.getMessage(), e);
                    }
                }
                return outputs;
            }
        } catch (OrtException e) {
            throw OrtErrors.atRun(label, e);
        } finally {
            for (OnnxTensor t : feeds.values()) t.close();
        }
    }

    @Override
    public String toString() {
        return label;
    }

    /** Waits for runs in flight, then frees the session; idempotent. */
    void close() {
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            session.close();
        } catch (OrtException e) {
            throw new EngineException(Kind.FAILURE, label + ": closing the onnxruntime session failed", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static void closeQuietly(OrtSession session, Exception primary) {
        try {
            session.close();
        } catch (OrtException e) {
            primary.addSuppressed(e);
        }
    }
}
