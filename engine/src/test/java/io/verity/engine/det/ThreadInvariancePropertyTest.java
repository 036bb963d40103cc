package io.verity.engine.det;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.verity.protocol.tensor.Shape;
import io.verity.protocol.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator.ReplaceUnderscores;

/**
 * Random small graphs of supported operators, built with the protobuf builders, give the same output bytes
 * and the same trace root on 1 thread and on 3 threads that split every loop (jqwik prints the seed of a
 * failing case; rerun with it to reproduce).
 */
@DisplayNameGeneration(ReplaceUnderscores.class)
class ThreadInvariancePropertyTest {
    static final int C = 4, H = 9, W = 10;
    static final String[] OPS = {"Add", "Mul", "Sub", "Div", "Relu", "Sigmoid", "Tanh", "Erf", "Conv", "ConvDepthwise",
            "MatMul", "Softmax", "ReduceMeanAdd", "HardSwish", "BatchNormalization", "AveragePool", "MaxPool", "Transpose2"};

    static DeterministicEngine one, many;
    static Path dir;

    @BeforeContainer
    static void start() throws Exception {
        one = DeterministicEngine.create(1, true);
        many = DeterministicEngine.splittingEverything(3);
        dir = Files.createTempDirectory("verity-det-prop");
    }

    @AfterContainer
    static void stop() {
        one.close();
        many.close();
    }

    @Provide
    Arbitrary<List<Integer>> programs() {
        return Arbitraries.integers().between(0, OPS.length - 1).list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 40)
    void random_graphs_give_identical_bytes_on_one_and_three_threads(@ForAll("programs") List<Integer> program,
            @ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        OnnxBuilder b = new OnnxBuilder().input("x", 1, 1, C, H, W).output("v" + program.size(), 1);
        List<String> values = new ArrayList<>(List.of("x"));
        for (int i = 0; i < program.size(); i++) {
            String in = values.get(values.size() - 1), other = values.get(r.nextInt(values.size())), out = "v" + (i + 1);
            String p = "p" + i;
            NodeProto.Builder n;
            switch (OPS[program.get(i)]) {
                case "Conv" -> {
                    b.floats(p + "w", new long[] {C, C, 3, 3}, rand(r, C * C * 9)).floats(p + "b", new long[] {C}, rand(r, C));
                    n = b.node("Conv", new String[] {in, p + "w", p + "b"}, new String[] {out}).addAttribute(OnnxBuilder.intsAttr("pads", 1, 1, 1, 1));
                }
                case "ConvDepthwise" -> {
                    b.floats(p + "w", new long[] {C, 1, 3, 3}, rand(r, C * 9));
                    n = b.node("Conv", new String[] {in, p + "w"}, new String[] {out}).addAttribute(OnnxBuilder.intsAttr("pads", 1, 1, 1, 1))
                            .addAttribute(OnnxBuilder.intAttr("group", C));
                }
                case "MatMul" -> {
                    b.floats(p + "w", new long[] {W, W}, rand(r, W * W));
                    n = b.node("MatMul", new String[] {in, p + "w"}, new String[] {out});
                }
                case "ReduceMeanAdd" -> {
                    b.add(b.node("ReduceMean", new String[] {in}, new String[] {p + "m"}).addAttribute(OnnxBuilder.intsAttr("axes", 2, 3)));
                    n = b.node("Add", new String[] {in, p + "m"}, new String[] {out});
                }
                case "BatchNormalization" -> {
                    b.floats(p + "s", new long[] {C}, rand(r, C)).floats(p + "b", new long[] {C}, rand(r, C))
                            .floats(p + "m", new long[] {C}, rand(r, C)).floats(p + "v", new long[] {C}, positive(r, C));
                    n = b.node("BatchNormalization", new String[] {in, p + "s", p + "b", p + "m", p + "v"}, new String[] {out});
                }
                case "AveragePool", "MaxPool" -> n = b.node(OPS[program.get(i)], new String[] {in}, new String[] {out})
                        .addAttribute(OnnxBuilder.intsAttr("kernel_shape", 3, 3)).addAttribute(OnnxBuilder.intsAttr("pads", 1, 1, 1, 1));
                case "Transpose2" -> {
                    b.add(b.node("Transpose", new String[] {in}, new String[] {p + "t"}).addAttribute(OnnxBuilder.intsAttr("perm", 0, 2, 1, 3)));
                    n = b.node("Transpose", new String[] {p + "t"}, new String[] {out}).addAttribute(OnnxBuilder.intsAttr("perm", 0, 2, 1, 3));
                }
                case "Add", "Mul", "Sub", "Div" -> n = b.node(OPS[program.get(i)], new String[] {in, other}, new String[] {out});
                default -> n = b.node(OPS[program.get(i)], new String[] {in}, new String[] {out});
            }
            b.add(n);
            values.add(out);
        }
        byte[] bytes = b.model().toByteArray();
        Path f = Files.write(Files.createTempFile(dir, "g", ".onnx"), bytes);
        var digest = io.verity.protocol.Keccak256.hash(bytes);
        List<Tensor> in = List.of(Tensor.ofFloats("x", Shape.of(1, C, H, W), rand(r, C * H * W)));
        var a = one.load(digest, f).run(in);
        var z = many.load(digest, f).run(in);
        one.unload(digest);
        many.unload(digest);
        Files.delete(f);
        assertThat(z.outputs().get(0).dataBytes()).as("output bytes of %s", program).isEqualTo(a.outputs().get(0).dataBytes());
        assertThat(z.traceRoot()).isEqualTo(a.traceRoot());
    }

    static float[] rand(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return v;
    }

    static float[] positive(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (0.1 + r.nextDouble());
        return v;
    }
}
