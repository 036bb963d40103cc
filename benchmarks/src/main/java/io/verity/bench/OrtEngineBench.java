package io.verity.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.verity.engine.LoadedModel;
import io.verity.engine.onnxruntime.OnnxRuntimeEngine;
import io.verity.protocol.tensor.Tensor;
import io.verity.testing.RealInputs;
import io.verity.testing.RealModel;
import io.verity.testing.RealModels;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Engine overhead: {@link OnnxRuntimeEngine} ({@code LoadedModel.run}: schema check, Tensor to direct buffer,
 * output copy to little-endian bytes) against raw ONNX Runtime on the same model with the same session
 * settings (1 intra-op thread, 1 inter-op thread, EXTENDED optimization), single-threaded.
 *
 * <ul>
 *   <li>{@code engine}: {@code LoadedModel.run(List<Tensor>)}.
 *   <li>{@code rawFromArrays}: what a caller of ORT does per request: OnnxTensors from Java arrays, run, read
 *       every output into an array, close.
 *   <li>{@code rawPrebuilt}: the floor: session.run on OnnxTensors built once, outputs closed unread.
 * </ul>
 *
 * <p>Run: {@code ./verity bench OrtEngineBench} (results in docs/benchmarks.md, "Engine overhead (JMH)").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class OrtEngineBench {

    @Param({"silero-vad-v5", "paddleocr-cls-v2.0"})
    public String model;

    private OnnxRuntimeEngine engine;
    private LoadedModel loaded;
    private List<Tensor> inputs;
    private OrtEnvironment env;
    private OrtSession session;
    private Map<String, OnnxTensor> prebuilt;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        RealModel m = switch (model) {
            case "silero-vad-v5" -> RealModels.sileroVadV5();
            case "paddleocr-cls-v2.0" -> RealModels.paddleOcrCls();
            default -> throw new IllegalArgumentException("model must be silero-vad-v5 or paddleocr-cls-v2.0, got " + model);
        };
        inputs = model.startsWith("silero") ? RealInputs.sileroVadV5(1) : RealInputs.paddleOcrCls("VERITY 2026");
        engine = OnnxRuntimeEngine.create();
        loaded = engine.load(m.digest(), m.file());
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            session = env.createSession(m.file().toString(), o);
        }
        prebuilt = fromArrays();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        for (OnnxTensor t : prebuilt.values()) t.close();
        session.close();
        engine.close();
    }

    /** ORT tensors built the usual way, from heap arrays (ORT copies them into native memory). */
    private Map<String, OnnxTensor> fromArrays() throws OrtException {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        for (Tensor t : inputs) {
            OnnxTensor ot = switch (t.dtype()) {
                case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), t.shape().dims());
                case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), t.shape().dims());
                default -> throw new IllegalStateException("unexpected input dtype " + t.dtype());
            };
            feeds.put(t.name(), ot);
        }
        return feeds;
    }

    @Benchmark
    public void engine(Blackhole bh) {
        bh.consume(loaded.run(inputs));
    }

    @Benchmark
    public void rawFromArrays(Blackhole bh) throws OrtException {
        Map<String, OnnxTensor> feeds = fromArrays();
        try (OrtSession.Result r = session.run(feeds)) {
            for (Map.Entry<String, OnnxValue> e : r) {
                FloatBuffer f = ((OnnxTensor) e.getValue()).getFloatBuffer();
                float[] out = new float[f.remaining()];
                f.get(out);
                bh.consume(out);
            }
        } finally {
            for (OnnxTensor t : feeds.values()) t.close();
        }
    }

    @Benchmark
    public void rawPrebuilt(Blackhole bh) throws OrtException {
        try (OrtSession.Result r = session.run(prebuilt)) {
            bh.consume(r.size());
        }
    }
}
