package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.AttributeProto;
import io.verity.engine.det.graph.Graph;
import io.verity.protocol.Keccak256;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Untraced runs take shortcuts the trace cannot (one pass for an exported HardSwish, whose intermediates the
 * trace must see). {@link GoldenOutputDigestsTest} pins traced runs, so this pins the untraced ones to the same
 * recorded output bits, and checks the fused HardSwish on the values where Clip's two code paths differ.
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class UntracedRunsTest {
    @TempDir
    Path dir;

    @Test
    void shipped_models_untraced_at_test_and_benchmark_size_give_the_recorded_output_bits() throws Exception {
        for (int scale : new int[] {1, 2}) {
            String golden = GoldenOutputDigestsTest.resource(scale == 1 ? "/golden/det/real-model-digests.txt"
                    : "/golden/det/real-model-digests-640.txt");
            StringBuilder got = new StringBuilder(), want = new StringBuilder();
            try (DeterministicEngine e = DeterministicEngine.create(1, false)) {
                for (RealModels.Case c : RealModels.all(scale)) {
                    DeterministicModel m = e.load(c.digest(), c.file());
                    got.append(c.name()).append('|').append(digest(m.run(RealModels.bind(m, c.inputs())).outputs())).append('\n');
                }
            }
            for (String line : golden.lines().toList()) want.append(line, 0, line.lastIndexOf('|')).append('\n');
            assertThat(got.toString()).as("scale " + scale).isEqualTo(want.toString());
        }
    }

    /** The same for verity-det/3, whose recorded bits (scale 1) come from traced runs. */
    @Test
    void shipped_models_untraced_under_verity_det_3_give_its_recorded_output_bits() throws Exception {
        StringBuilder got = new StringBuilder(), want = new StringBuilder();
        try (DeterministicEngine e = DeterministicEngine.create(1, false, DeterministicEngine.ID_V3)) {
            for (RealModels.Case c : RealModels.all(1)) {
                DeterministicModel m = e.load(c.digest(), c.file());
                got.append(c.name()).append('|').append(digest(m.run(RealModels.bind(m, c.inputs())).outputs())).append('\n');
            }
        }
        for (String line : GoldenOutputDigestsTest.resource("/golden/det/real-model-digests-v3.txt").lines().toList()) {
            want.append(line, 0, line.lastIndexOf('|')).append('\n');
        }
        assertThat(got.toString()).isEqualTo(want.toString());
    }

    @Test
    void the_shortcuts_are_taken_on_the_shipped_cls_model_so_the_golden_comparison_covers_them() throws Exception {
        var proto = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(java.nio.file.Files.readAllBytes(RealModels.all(1).get(2).file()));
        java.util.Map<String, Integer> opsets = new java.util.HashMap<>();
        for (var o : proto.getOpsetImportList()) opsets.put(o.getDomain(), (int) o.getVersion());
        Graph g = Graph.compile(proto.getGraph(), opsets);
        List<Integer> epilogues = java.util.Arrays.stream(g.epilogue).boxed().toList();
        assertThat(epilogues).contains(1, 2, 5);
        int fusedHardSwish = 0;
        for (int i = 0; i < g.nodes.size(); i++) if (g.hardSwish[i] && (i < 2 || g.epilogue[i - 2] != 5)) fusedHardSwish++;
        assertThat(fusedHardSwish).as("HardSwish chains not behind a Conv + BatchNormalization").isPositive();
    }

    @Test
    void the_conv_pointwise_tails_are_folded_on_the_shipped_det_and_rec_models_so_the_golden_comparison_covers_them() throws Exception {
        for (RealModels.Case c : RealModels.all(1).subList(0, 2)) {
            var proto = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(java.nio.file.Files.readAllBytes(c.file()));
            java.util.Map<String, Integer> opsets = new java.util.HashMap<>();
            for (var o : proto.getOpsetImportList()) opsets.put(o.getDomain(), (int) o.getVersion());
            Graph g = Graph.compile(proto.getGraph(), opsets);
            long withHardSwish = java.util.Arrays.stream(g.pointwise).filter(java.util.Objects::nonNull)
                    .filter(st -> java.util.Arrays.stream(st).anyMatch(x -> x.kind() == io.verity.engine.det.graph.Pointwise.Kind.HARD_SWISH)).count();
            assertThat(withHardSwish).as(c.name() + ": Convs whose folded tail holds a HardSwish").isGreaterThan(10);
        }
    }

    @Test
    void the_fused_hardswish_gives_the_bits_of_its_four_nodes_on_zeros_nans_infinities_and_the_clip_bounds() throws Exception {
        // Blocks of 1024: the first holds -0, +0, NaNs (two payloads), infinities and -3, 3, tiny and huge values
        // (the select path of Clip), the others only ordinary values (its min/max path).
        float[] v = new float[3000];
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < v.length; i++) v[i] = (float) ((r.nextDouble() - 0.5) * 14);
        float[] odd = {-0f, 0f, Float.NaN, Float.intBitsToFloat(0x7fc01234), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                -3f, 3f, Math.nextUp(-3f), Math.nextDown(3f), Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        System.arraycopy(odd, 0, v, 5, odd.length);
        for (int opset : new int[] {6, 17}) {
            for (boolean xFirst : new boolean[] {true, false}) {
                OnnxBuilder b = new OnnxBuilder().input("x", 1, 3, 1000).output("y", 1)
                        .floats("three", new long[0], 3f).floats("six", new long[] {1}, 6f);
                b.opset = opset;
                b.add(b.node("Add", new String[] {"x", "three"}, new String[] {"t"}));
                if (opset < 11) {
                    b.add(b.node("Clip", new String[] {"t"}, new String[] {"c"}).addAttribute(floatAttr("min", 0f))
                            .addAttribute(floatAttr("max", 6f)));
                } else {
                    b.floats("lo", new long[0], 0f).floats("hi", new long[0], 6f);
                    b.add(b.node("Clip", new String[] {"t", "lo", "hi"}, new String[] {"c"}));
                }
                b.add(b.node("Mul", xFirst ? new String[] {"x", "c"} : new String[] {"c", "x"}, new String[] {"m"}));
                b.add(b.node("Div", new String[] {"m", "six"}, new String[] {"y"}));
                assertThat(Graph.compile(b.model().getGraph(), java.util.Map.of("", opset)).hardSwish[0]).as("the chain is fused").isTrue();
                var w = b.write(dir);
                List<Tensor> in = List.of(Tensor.ofFloats("x", Shape.of(3, 1000), v));
                try (DeterministicEngine traced = DeterministicEngine.create(1, true);
                        DeterministicEngine untraced = DeterministicEngine.create(1, false)) {
                    DeterministicModel fused = untraced.load(w.digest(), w.file());
                    assertThat(fused.execute(in, null).get(0).dataBytes()).as("opset " + opset + ", x first " + xFirst)
                            .isEqualTo(traced.load(w.digest(), w.file()).trace(in).outputs().get(0).dataBytes());
                }
            }
        }
    }

    /**
     * A Conv's pointwise tail (PaddleOCR v4's shape: scale, Constants, shift, HardSwish, then Sub, Relu, Div) folded
     * into one pass gives the nodes' bits under both contracts, on zeros, NaNs and infinities; with a per-channel
     * operand at step {@code wide} (3: the HardSwish, 6: the last) only the steps before it are folded, and the rest run as usual.
     */
    @Test
    void a_conv_pointwise_tail_folded_in_place_gives_the_bits_of_its_nodes() throws Exception {
        float[] x = new float[2 * 9 * 9];
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        for (int i = 0; i < x.length; i++) x[i] = i % 81 < 30 ? 0f : (float) ((r.nextDouble() - 0.5) * 8);
        x[60] = Float.NaN;
        x[100] = Float.POSITIVE_INFINITY;
        x[140] = -0f;
        float[] w = new float[3 * 2 * 3 * 3];
        for (int i = 0; i < w.length; i++) w[i] = (float) ((r.nextDouble() - 0.5) * 2);
        for (int wide = 0; wide <= 6; wide += 3) {
            OnnxBuilder b = new OnnxBuilder().input("x", 1, 1, 2, 9, 9).output("y", 1)
                    .floats("w", new long[] {3, 2, 3, 3}, w).floats("bias", new long[] {3}, 0f, 0.5f, -1f)
                    .floats("s", new long[] {1}, 1.7f).floats("three", new long[0], 3f).floats("six", new long[0], 6f)
                    .floats("k", new long[] {1}, 0.3f).floats("perChannel", new long[] {1, 3, 1, 1}, 2f, 3f, 0.5f);
            b.add(b.node("Conv", new String[] {"x", "w", "bias"}, new String[] {"c"}).addAttribute(OnnxBuilder.intsAttr("pads", 1, 1, 1, 1)));
            b.add(b.node("Mul", new String[] {"s", "c"}, new String[] {"m"}));
            b.add(constant(b, "shift", -0.75f));
            b.add(b.node("Add", new String[] {"m", "shift"}, new String[] {"a"}));
            b.add(constant(b, "lo", 0f)).add(b.node("Add", new String[] {"a", "three"}, new String[] {"t"})).add(constant(b, "hi", 6f));
            b.add(b.node("Clip", new String[] {"t", "lo", "hi"}, new String[] {"ct"}));
            b.add(b.node("Mul", new String[] {"ct", "a"}, new String[] {"xt"}));
            b.add(b.node("Div", new String[] {"xt", wide == 3 ? "perChannel" : "six"}, new String[] {"h"}));
            b.add(b.node("Sub", new String[] {"k", "h"}, new String[] {"d"}));
            b.add(b.node("Relu", new String[] {"d"}, new String[] {"e"}));
            b.add(b.node("Div", new String[] {"e", wide == 6 ? "perChannel" : "k"}, new String[] {"y"}));
            Graph g = Graph.compile(b.model().getGraph(), java.util.Map.of("", 17));
            assertThat(g.pointwise[0]).as("the tail's steps").hasSize(6);
            var file = b.write(dir);
            List<Tensor> in = List.of(Tensor.ofFloats("x", Shape.of(1, 2, 9, 9), x));
            for (String id : new String[] {DeterministicEngine.ID, DeterministicEngine.ID_V3}) {
                try (DeterministicEngine traced = DeterministicEngine.create(1, true, id);
                        DeterministicEngine untraced = DeterministicEngine.create(1, false, id)) {
                    byte[] fused = untraced.load(file.digest(), file.file()).execute(in, null).get(0).dataBytes();
                    assertThat(fused).as(id + (wide == 0 ? ", every step folded" : ", per-channel operand at step " + wide))
                            .isEqualTo(traced.load(file.digest(), file.file()).trace(in).outputs().get(0).dataBytes());
                }
            }
        }
    }

    /**
     * Nodes that read only constants (a Slice and a Mul of an initializer, and the same inside an If's branch, reading
     * the outer graph's Constant) are folded at load: untraced runs give the traced run's bits, and the trace still
     * has an entry for every top-level node.
     */
    @Test
    void nodes_of_constants_folded_at_load_give_the_same_bits_and_the_trace_keeps_every_node() throws Exception {
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 1, 4).input("cond", 9).output("y", 1)
                .floats("w", new long[] {2, 4}, 0.1f, -0.2f, 0.3f, Float.NaN, 1.5f, -0f, 2.5f, 3e-39f).longs("st", new long[] {1}, 1)
                .longs("en", new long[] {1}, 2).longs("ax", new long[] {1}, 0).floats("k", new long[0], 1.7f);
        b.add(constant(b, "c", 0.25f));
        b.add(b.node("Slice", new String[] {"w", "st", "en", "ax"}, new String[] {"s"}));
        b.add(b.node("Mul", new String[] {"s", "k"}, new String[] {"ks"}));
        var branch = ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName("then").addOutput(OnnxBuilder.value("bo", 1))
                .addNode(b.node("Mul", new String[] {"c", "k"}, new String[] {"ck"})).addNode(b.node("Add", new String[] {"x", "ck"}, new String[] {"bo"}));
        var other = ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName("else").addOutput(OnnxBuilder.value("eo", 1))
                .addNode(b.node("Identity", new String[] {"x"}, new String[] {"eo"}));
        b.add(b.node("If", new String[] {"cond"}, new String[] {"i"})
                .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(branch))
                .addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH).setG(other)));
        b.add(b.node("Add", new String[] {"i", "ks"}, new String[] {"y"}));
        Graph g = Graph.compile(b.model().getGraph(), java.util.Map.of("", 17));
        var folded = Folding.of(g, new Interp(io.verity.engine.det.tensor.Parallel.SERIAL, io.verity.engine.det.graph.Arithmetic.DET3, g));
        assertThat(folded.get(g).skip()).as("Constant, Slice, Mul folded; If, Add run").containsExactly(true, true, true, false, false);
        Graph then = g.nodes.get(3).graph("then_branch");
        assertThat(folded.get(then).skip()).as("the branch's Mul of outer constants").containsExactly(true, false);
        var file = b.write(dir);
        List<Tensor> in = List.of(Tensor.ofFloats("x", Shape.of(1, 4), new float[] {1f, -2f, 0.5f, 4f}),
                Tensor.ofRaw("cond", io.verity.protocol.tensor.DType.BOOL, Shape.of(), new byte[] {1}));
        for (String id : new String[] {DeterministicEngine.ID, DeterministicEngine.ID_V3}) {
            try (DeterministicEngine traced = DeterministicEngine.create(1, true, id);
                    DeterministicEngine untraced = DeterministicEngine.create(1, false, id)) {
                DeterministicModel t = traced.load(file.digest(), file.file());
                ExecutionTrace trace = t.trace(in);
                assertThat(untraced.load(file.digest(), file.file()).execute(in, null).get(0).dataBytes()).as(id)
                        .isEqualTo(trace.outputs().get(0).dataBytes());
                assertThat(trace.entries()).as("inputs, every node's output, the outputs entry").hasSize(2 + t.nodeCount() + 1);
            }
        }
    }

    private static ai.onnx.proto.OnnxMl.NodeProto.Builder constant(OnnxBuilder b, String name, float v) {
        var t = ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setDataType(1).addFloatData(v);
        return b.node("Constant", new String[0], new String[] {name})
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t));
    }

    static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static Keccak256 digest(List<Tensor> outs) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Tensor t : outs) bytes.write(t.dataBytes());
        return Keccak256.hash(bytes.toByteArray());
    }
}
