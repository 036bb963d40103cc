package io.verity.engine.det;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.verity.engine.EngineException;
import io.verity.engine.det.tensor.Arr;
import io.verity.engine.det.tensor.Convert;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.DType;
import io.verity.protocol.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs the ONNX backend node tests shipped in Debian's libonnx-testdata against verity-det/1: every
 * test_data_set_N's inputs, outputs compared exactly for integer and bool tensors and with the ONNX backend
 * test's own tolerance for floats (|actual - expected| <= 1e-7 + 1e-3 * |expected|, NaN matches NaN).
 * Tests using an operator or data type the engine does not support are counted as such, never passed.
 */
final class BackendSuite {
    static final Path ROOT = Path.of("/usr/share/libonnx-testdata/data");
    /** The four families Debian ships: node (one operator each), pytorch-converted, pytorch-operator, simple. */
    static final List<String> FAMILIES = List.of("node", "pytorch-converted", "pytorch-operator", "simple");
    static final double RTOL = 1e-3, ATOL = 1e-7;

    enum Status { PASS, FAIL, ERROR, UNSUPPORTED_OP, UNSUPPORTED_TYPE }

    record Result(String test, String op, Status status, String detail) {}

    static List<Path> tests() throws IOException {
        List<Path> all = new ArrayList<>();
        for (String f : FAMILIES) {
            if (!Files.isDirectory(ROOT.resolve(f))) continue;
            try (Stream<Path> s = Files.list(ROOT.resolve(f))) {
                all.addAll(s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList());
            }
        }
        return all;
    }

    /** Single-node tests are filed under their op type; multi-node (expanded function) tests under "(composite)". */
    static String primaryOp(ModelProto m) {
        List<NodeProto> nodes = m.getGraph().getNodeList();
        return nodes.size() == 1 ? nodes.get(0).getOpType() : "(multi-node)";
    }

    static Result run(DeterministicEngine engine, Path dir) {
        String family = dir.getParent().getFileName().toString();
        String name = (family.equals("node") ? "" : family + "/") + dir.getFileName();
        String op = "?";
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve("model.onnx"));
            ModelProto mp = ModelProto.parseFrom(bytes);
            op = primaryOp(mp);
            for (var v : mp.getGraph().getInputList()) {
                if (!v.getType().hasTensorType()) return new Result(name, op, Status.UNSUPPORTED_TYPE, "input '" + v.getName() + "' is not a tensor");
            }
            for (var v : mp.getGraph().getOutputList()) {
                if (!v.getType().hasTensorType()) return new Result(name, op, Status.UNSUPPORTED_TYPE, "output '" + v.getName() + "' is not a tensor");
            }
            DeterministicModel model;
            try {
                model = engine.load(Keccak256.hash(bytes), dir.resolve("model.onnx"));
            } catch (EngineException e) {
                String msg = String.valueOf(e.getMessage());
                if (msg.contains("does not support")) return new Result(name, op, Status.UNSUPPORTED_OP, msg);
                if (msg.contains("data type") || msg.contains("ONNX data type")) return new Result(name, op, Status.UNSUPPORTED_TYPE, msg);
                return new Result(name, op, Status.ERROR, msg);
            }
            List<Path> sets;
            try (Stream<Path> s = Files.list(dir)) {
                sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
            }
            for (Path set : sets) {
                List<Tensor> inputs = new ArrayList<>();
                for (int k = 0; Files.exists(set.resolve("input_" + k + ".pb")); k++) {
                    TensorProto tp = TensorProto.parseFrom(Files.readAllBytes(set.resolve("input_" + k + ".pb")));
                    String in = k < mp.getGraph().getInputCount() ? mp.getGraph().getInput(k).getName() : tp.getName();
                    Arr a;
                    try {
                        a = Convert.fromProto(tp);
                    } catch (UnsupportedOperationException e) {
                        return new Result(name, op, Status.UNSUPPORTED_TYPE, e.getMessage());
                    }
                    inputs.add(Convert.toTensor(in, a));
                }
                List<Tensor> outs = model.run(inputs).outputs();
                for (int k = 0; Files.exists(set.resolve("output_" + k + ".pb")); k++) {
                    TensorProto tp = TensorProto.parseFrom(Files.readAllBytes(set.resolve("output_" + k + ".pb")));
                    Arr want;
                    try {
                        want = Convert.fromProto(tp);
                    } catch (UnsupportedOperationException e) {
                        return new Result(name, op, Status.UNSUPPORTED_TYPE, e.getMessage());
                    }
                    if (k >= outs.size()) return new Result(name, op, Status.FAIL, "output " + k + " missing");
                    String diff = compare(want, Convert.fromTensor(outs.get(k)));
                    if (diff != null) return new Result(name, op, Status.FAIL, set.getFileName() + " output " + k + ": " + diff);
                }
            }
            return new Result(name, op, Status.PASS, "");
        } catch (EngineException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("float16") || msg.contains("string") || msg.contains("data type")) return new Result(name, op, Status.UNSUPPORTED_TYPE, msg);
            return new Result(name, op, Status.ERROR, msg);
        } catch (Exception | StackOverflowError e) {
            return new Result(name, op, Status.ERROR, e.toString());
        }
    }

    /** @return null when equal within tolerance, else a description naming the first differing element */
    static String compare(Arr want, Arr got) {
        if (want.dtype != got.dtype) return "dtype " + got.dtype.wireName() + ", expected " + want.dtype.wireName();
        if (!java.util.Arrays.equals(want.shape, got.shape)) {
            return "shape " + java.util.Arrays.toString(got.shape) + ", expected " + java.util.Arrays.toString(want.shape);
        }
        for (int i = 0; i < want.size(); i++) {
            if (want.dtype == DType.FLOAT32 || want.dtype == DType.FLOAT64) {
                double e = want.getD(i), a = got.getD(i);
                if (Double.isNaN(e) && Double.isNaN(a)) continue;
                if (e == a) continue;
                if (!(Math.abs(a - e) <= ATOL + RTOL * Math.abs(e))) return "element " + i + " is " + a + ", expected " + e;
            } else if (want.l[i] != got.l[i]) {
                return "element " + i + " is " + got.l[i] + ", expected " + want.l[i];
            }
        }
        return null;
    }

    static List<Result> runAll(DeterministicEngine engine) throws IOException {
        List<Result> out = new ArrayList<>();
        for (Path p : tests()) {
            out.add(run(engine, p));
            engine.unload(Keccak256.hash(Files.readAllBytes(p.resolve("model.onnx")))); // keep memory flat
        }
        return out;
    }

    static Map<String, int[]> perOp(List<Result> rs) {
        Map<String, int[]> m = new TreeMap<>();
        for (Result r : rs) m.computeIfAbsent(r.op, k -> new int[Status.values().length])[r.status.ordinal()]++;
        return m;
    }

    public static void main(String[] args) throws IOException {
        try (DeterministicEngine e = DeterministicEngine.create(1, false)) {
            List<Result> rs = runAll(e);
            int[] tot = new int[Status.values().length];
            for (Result r : rs) {
                tot[r.status.ordinal()]++;
                if (r.status == Status.FAIL || r.status == Status.ERROR || (args.length > 0 && r.status != Status.PASS)) {
                    System.out.println(r.status + " " + r.test + " [" + r.op + "] " + r.detail);
                }
            }
            System.out.println(java.util.Arrays.toString(Status.values()) + " " + java.util.Arrays.toString(tot));
        }
    }
}
